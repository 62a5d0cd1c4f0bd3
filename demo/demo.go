// Package demo holds the sample media that `signet serve` offers when it
// runs without a configuration.
//
// The samples are four seconds of ffmpeg's testsrc2 pattern with a 440 Hz
// tone, made by `make demo-media` with Debian's ffmpeg: sample.mp4 in H.264
// and AAC, sample.webm in VP9 and Opus. hls/ holds the same pattern as an
// HLS stream of 16 seconds: master.m3u8 with two variants, 320x180 and
// 160x90, each in 2-second fMP4 segments with an init segment.
package demo

import (
	"embed"
	"io/fs"
)

//go:embed media
var files embed.FS

// Media returns the sample media files, at the root of the file system.
func Media() fs.FS {
	sub, err := fs.Sub(files, "media")
	if err != nil {
		panic("BUG: embedded media directory missing: " + err.Error())
	}
	return sub
}
