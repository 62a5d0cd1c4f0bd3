package uri

import "testing"

func TestRemoveDotSegments(t *testing.T) {
	// The examples of RFC 3986, section 5.2.4, and a few more.
	tests := map[string]string{
		"/a/b/c/./../../g":   "/a/g",
		"mid/content=5/../6": "mid/6",
		"/a/../../b":         "/b",
		"/a/b/..":            "/a/",
		"/a/./":              "/a/",
		"/.":                 "/",
		"..":                 "",
		"/a//../b":           "/a/b",
	}
	for in, want := range tests {
		if got := string(AppendRemoveDotSegments(nil, []byte(in))); got != want {
			t.Errorf("remove dot segments of %q = %q, want %q", in, got, want)
		}
	}
}

func TestNormalizedPath(t *testing.T) {
	tests := map[string]string{
		"/a/%2e%2E/x":     "/x",
		"/a%2fb":          "/a%2Fb",
		"/vidéo":          "/vid%C3%A9o",
		"/a%zz":           "/a%25zz",
		"/~user/a b":      "/~user/a%20b",
		"/%7e%41%2D%5F":   "/~A-_",
		"/hls/ev2/../ev1": "/hls/ev1",
	}
	for in, want := range tests {
		got, _ := AppendNormalizedPath(nil, nil, in, true)
		if string(got) != want {
			t.Errorf("normalized path of %q = %q, want %q", in, got, want)
		}
	}
}

func TestSplit(t *testing.T) {
	p := Split("HTTP://user:pw@[2001:db8::5]:8080/a/b?x=1&y#frag")
	if p.Scheme != "HTTP" || p.UserInfo != "user:pw" || p.Host != "[2001:db8::5]" || p.Port != "8080" ||
		p.Path != "/a/b" || p.Query != "x=1&y" || p.Fragment != "frag" {
		t.Errorf("Split = %+v", p)
	}
	if p := Split("/engage/a.mp4"); !p.IsPathOnly() || p.Path != "/engage/a.mp4" {
		t.Errorf("Split path only = %+v", p)
	}
}

func TestSigningParam(t *testing.T) {
	tests := map[string]int{
		"policy": ParamPolicy, "keyId": ParamKeyID, "signature": ParamSignature,
		"%70olicy": ParamPolicy, "Policy": -1, "keyid": -1, "signature+": -1, "": -1,
	}
	for name, want := range tests {
		if got := SigningParam(name); got != want {
			t.Errorf("SigningParam(%q) = %d, want %d", name, got, want)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, ok := range []string{"http://h/a.mp4", "/engage/ü.mp4", "http://[::1]:80/a?x=%2F#t"} {
		if p := Validate(ok); p != nil {
			t.Errorf("Validate(%q) = %v", ok, p)
		}
	}
	for _, bad := range []string{"http://h/a b", "http://h/a\"", "http://h/a\\b", "http://h/%2", "http://h/a#b#c",
		"http://h:8o/", "http:///a", "http://h/a\u2028", "http://h/[x]", "http://h/\xff"} {
		if Validate(bad) == nil {
			t.Errorf("Validate(%q) accepted", bad)
		}
	}
}
