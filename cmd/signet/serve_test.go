package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

func TestServeListenPortOutOfRange(t *testing.T) {
	code, _, errOut := runCLI("serve", "--listen", "127.0.0.1:99999")
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	want := `--listen: invalid port "99999" in address "127.0.0.1:99999": the port is out of range; write a number from 0 to 65535`
	if !strings.Contains(errOut, want) {
		t.Errorf("stderr %q does not contain %q", errOut, want)
	}
}

func TestServeListenInvalidAddress(t *testing.T) {
	code, _, errOut := runCLI("serve", "--listen", "8080")
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	if want := `--listen: invalid address "8080"`; !strings.Contains(errOut, want) {
		t.Errorf("stderr %q does not contain %q", errOut, want)
	}
}

func TestServeListenWhiteSpace(t *testing.T) {
	port := strconv.Itoa(freePort(t))
	for _, addr := range []string{" 127.0.0.1:" + port, "127.0.0.1:" + port + " ", "127.0.0.1:" + port + "\t"} {
		t.Run(addr, func(t *testing.T) {
			code, _, errOut := runCLI("serve", "--config", writeKeyConfig(t), "--listen", addr)
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			want := fmt.Sprintf("usage error: --listen: invalid address %q: it contains white space", addr)
			if !strings.Contains(errOut, want) {
				t.Errorf("stderr %q does not contain %q", errOut, want)
			}
		})
	}
}

func TestServeListenInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()

	code, _, errOut := runCLI("serve", "--config", writeKeyConfig(t), "--listen", addr)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	want := "--listen: cannot listen on " + addr + ": bind: address already in use (another program listens on this port); " +
		"stop it, or choose another port with --listen"
	if !strings.Contains(errOut, want) {
		t.Errorf("stderr %q does not contain %q", errOut, want)
	}
}

func TestListenError(t *testing.T) {
	configOrigin := listenSetting{"signet.conf:3: listen: ", "in this setting or with --listen"}
	flagOrigin := listenSetting{"--listen: ", "with --listen"}
	defaultOrigin := listenSetting{"", "with --listen or the listen setting"}
	bindError := func(errno syscall.Errno) error {
		return &net.OpError{Op: "listen", Net: "tcp", Err: os.NewSyscallError("bind", errno)}
	}
	tests := []struct {
		name   string
		origin listenSetting
		err    error
		want   string
	}{
		{"not local from config", configOrigin, bindError(syscall.EADDRNOTAVAIL),
			"signet.conf:3: listen: cannot listen on 192.0.2.1:18090: bind: cannot assign requested address " +
				"(the host is not an address of this machine); give one of its addresses in this setting or with --listen, " +
				"such as 127.0.0.1 for local clients or 0.0.0.0 for all"},
		{"in use from flag", flagOrigin, bindError(syscall.EADDRINUSE),
			"--listen: cannot listen on 192.0.2.1:18090: bind: address already in use " +
				"(another program listens on this port); stop it, or choose another port with --listen"},
		{"privileged port by default", defaultOrigin, bindError(syscall.EACCES),
			"cannot listen on 192.0.2.1:18090: bind: permission denied (ports below 1024 need privileges); " +
				"choose a port from 1024 with --listen or the listen setting, or grant the capability CAP_NET_BIND_SERVICE"},
		{"unknown host", configOrigin, &net.OpError{Op: "listen", Net: "tcp", Err: errors.New("lookup nowhere: no such host")},
			"signet.conf:3: listen: cannot listen on 192.0.2.1:18090: lookup nowhere: no such host; " +
				"give host:port with a host of this machine in this setting or with --listen, such as 127.0.0.1:8080"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := listenError("192.0.2.1:18090", tc.origin, tc.err)
			if err.Error() != tc.want {
				t.Errorf("error\n got %s\nwant %s", err, tc.want)
			}
			if inner := errors.Unwrap(tc.err); inner != nil && !errors.Is(err, inner) {
				t.Errorf("error %v does not wrap %v", err, inner)
			}
		})
	}
}

func TestListenOrigin(t *testing.T) {
	cfg, err := loadConfig([]string{writeKeyConfig(t)})
	if err != nil {
		t.Fatal(err)
	}
	if got := listenOrigin("127.0.0.1:9000", cfg); got.prefix != "--listen: " {
		t.Errorf("with --listen: prefix %q, want --listen: ", got.prefix)
	}
	if got := listenOrigin("", cfg); got.prefix != "" {
		t.Errorf("default address: prefix %q, want none", got.prefix)
	}
	cfg.ListenAt = "signet.conf:7"
	if got := listenOrigin("", cfg); got.prefix != "signet.conf:7: listen: " {
		t.Errorf("from the configuration: prefix %q, want %q", got.prefix, "signet.conf:7: listen: ")
	}
}
