package main

import (
	"errors"
	"net"
	"os"
	"path/filepath"
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

// TestServeListenNotLocal checks the error for a listen setting whose host
// is not an address of this machine. Binding such an address fails in the
// kernel without sending a packet, unless ip_nonlocal_bind allows it, so
// the test runs only where it can check that.
func TestServeListenNotLocal(t *testing.T) {
	const host = "192.0.2.1" // TEST-NET-1, RFC 5737
	requireUnbindable(t, host)
	path := filepath.Join(t.TempDir(), "signet.conf")
	conf := "key.k.secret = 0123456789abcdef0123\nkey.k.url = /media/\nlisten = " + host + ":18090\n"
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}

	code, _, errOut := runCLI("serve", "--config", path)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	want := path + ":3: listen: cannot listen on " + host + ":18090: bind: cannot assign requested address " +
		"(the host is not an address of this machine); give one of its addresses in this setting or with --listen"
	if !strings.Contains(errOut, want) {
		t.Errorf("stderr %q does not contain %q", errOut, want)
	}
}

// requireUnbindable skips the test unless binding host fails here: Linux
// with ip_nonlocal_bind off, and no interface with the address.
func requireUnbindable(t *testing.T, host string) {
	t.Helper()
	setting, err := os.ReadFile("/proc/sys/net/ipv4/ip_nonlocal_bind")
	if err != nil || strings.TrimSpace(string(setting)) != "0" {
		t.Skipf("cannot tell whether binding %s fails: ip_nonlocal_bind %q, %v", host, setting, err)
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Skipf("cannot list the addresses of this machine: %v", err)
	}
	for _, a := range addrs {
		if ipNet, ok := a.(*net.IPNet); ok && ipNet.IP.String() == host {
			t.Skipf("this machine has the address %s", host)
		}
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
