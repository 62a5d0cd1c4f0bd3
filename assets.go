// Package signet holds the files that the signet binary embeds: the
// player demo page and the JavaScript client that the page loads.
package signet

import (
	"embed"
	"io/fs"
	"os"
	"path"
	"strings"
)

//go:embed player-demo/index.html player-demo/style.css player-demo/app.js jsclient/src
var assets embed.FS

// clientPath is the directory of the JavaScript client, relative to the
// player page.
const clientPath = "vendor/signet-client"

// hlsPath is the path of hls.js, relative to the player page.
const hlsPath = "vendor/hls.min.js"

// PlayerFS returns the player demo page with the JavaScript client's
// sources under vendor/signet-client/, as the page imports them. When
// hlsFile names a file, it is served as vendor/hls.min.js, the hls.js
// that the page loads for HLS streams; signet does not embed hls.js.
func PlayerFS(hlsFile string) fs.FS {
	return playerFS{hlsFile: hlsFile}
}

type playerFS struct {
	hlsFile string
}

// Open opens a file of player-demo/, of jsclient/src/ for a name under
// clientPath, or the hls.js file.
func (p playerFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if name == hlsPath && p.hlsFile != "" {
		return os.Open(p.hlsFile)
	}
	if rest, ok := strings.CutPrefix(name, clientPath); ok && (rest == "" || rest[0] == '/') {
		return assets.Open(path.Join("jsclient/src", rest))
	}
	return assets.Open(path.Join("player-demo", name))
}
