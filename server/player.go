package server

import (
	"io/fs"
	"net/http"
	"path"

	"github.com/gin-gonic/gin"
)

// playerPath is the URL path prefix of PlayerDir.
const playerPath = "/player/"

// handlePlayer serves PlayerDir without verification. A directory is
// served as its index.html and never listed.
func (s *Server) handlePlayer(c *gin.Context) {
	name, ok := fileName(rawPath(c.Request), playerPath)
	if !ok {
		s.notFound(c)
		return
	}
	if info, err := fs.Stat(s.player, name); err == nil && info.IsDir() {
		name = path.Join(name, "index.html")
	}
	s.serveFile(c, s.player, name, "no-cache")
}

func redirectToPlayer(c *gin.Context) {
	c.Redirect(http.StatusFound, playerPath)
}
