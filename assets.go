// Package signet holds the files that the signet binary embeds: the
// player demo page and the JavaScript client that the page loads.
package signet

import (
	"embed"
	"io/fs"
	"path"
	"strings"
)

//go:embed player-demo/index.html player-demo/style.css player-demo/app.js jsclient/src
var assets embed.FS

// clientPath is where the player page finds the JavaScript client, relative
// to the page.
const clientPath = "vendor/signet-client"

// PlayerFS returns the player demo page with the JavaScript client's
// sources under vendor/signet-client/, as the page imports them.
func PlayerFS() fs.FS {
	return playerFS{}
}

type playerFS struct{}

// Open opens a file of player-demo/, or of jsclient/src/ for a name under
// clientPath.
func (playerFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if rest, ok := strings.CutPrefix(name, clientPath); ok && (rest == "" || rest[0] == '/') {
		return assets.Open(path.Join("jsclient/src", rest))
	}
	return assets.Open(path.Join("player-demo", name))
}
