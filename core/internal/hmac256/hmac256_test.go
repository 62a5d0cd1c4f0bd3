package hmac256

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

// TestSum256KnownAnswers checks the examples of FIPS 180-4's appendix
// (published by NIST as SHA256.pdf) and the hash of one million 'a's.
func TestSum256KnownAnswers(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
			"248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
		{strings.Repeat("a", 1000000), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
	} {
		sum := Sum256([]byte(tc.in))
		if got := hex.EncodeToString(sum[:]); got != tc.want {
			t.Errorf("Sum256(%.20q, %d bytes) = %s; expected %s", tc.in, len(tc.in), got, tc.want)
		}
	}
}

// TestMACKnownAnswers checks the HMAC-SHA-256 cases of RFC 4231, section
// 4, except case 5, whose output is truncated.
func TestMACKnownAnswers(t *testing.T) {
	for _, tc := range []struct{ name, key, data, want string }{
		{"1", strings.Repeat("0b", 20), hex.EncodeToString([]byte("Hi There")),
			"b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
		{"2", hex.EncodeToString([]byte("Jefe")), hex.EncodeToString([]byte("what do ya want for nothing?")),
			"5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
		{"3", strings.Repeat("aa", 20), strings.Repeat("dd", 50),
			"773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
		{"4", "0102030405060708090a0b0c0d0e0f10111213141516171819", strings.Repeat("cd", 50),
			"82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
		{"6", strings.Repeat("aa", 131),
			hex.EncodeToString([]byte("Test Using Larger Than Block-Size Key - Hash Key First")),
			"60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
		{"7", strings.Repeat("aa", 131),
			hex.EncodeToString([]byte("This is a test using a larger than block-size key and a larger than " +
				"block-size data. The key needs to be hashed before being used by the HMAC algorithm.")),
			"9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
	} {
		key, _ := hex.DecodeString(tc.key)
		data, _ := hex.DecodeString(tc.data)
		if got := hex.EncodeToString(New(key).AppendMAC(nil, data)); got != tc.want {
			t.Errorf("RFC 4231 case %s = %s; expected %s", tc.name, got, tc.want)
		}
	}
}

// TestAgainstStandardLibrary compares every message length up to three
// blocks, which crosses each padding boundary, and every key length up to
// past one block, with crypto/hmac.
func TestAgainstStandardLibrary(t *testing.T) {
	msg := make([]byte, 3*blockSize+1)
	for i := range msg {
		msg[i] = byte(i*7 + 3)
	}
	for keyLen := 0; keyLen <= 2*blockSize+1; keyLen++ {
		key := msg[:keyLen]
		k := New(key)
		for n := 0; n <= len(msg); n++ {
			checkMAC(t, k, key, msg[:n])
		}
	}
	for n := 0; n <= len(msg); n++ {
		if got, want := Sum256(msg[:n]), sha256.Sum256(msg[:n]); got != want {
			t.Fatalf("Sum256 of %d bytes = %x; crypto/sha256 gives %x", n, got, want)
		}
	}
}

// TestAppendMAC checks that the MAC is appended after what dst holds and
// that a Key returns the same MAC twice.
func TestAppendMAC(t *testing.T) {
	k := New([]byte("a secret of some length"))
	first := k.AppendMAC([]byte("prefix"), []byte("message"))
	second := k.AppendMAC(nil, []byte("message"))
	if !bytes.HasPrefix(first, []byte("prefix")) || !bytes.Equal(first[len("prefix"):], second) {
		t.Fatalf("AppendMAC(\"prefix\", ...) = %x; expected \"prefix\" followed by %x", first, second)
	}
	if allocs := testing.AllocsPerRun(100, func() { k.AppendMAC(second[:0], []byte("message")) }); allocs != 0 {
		t.Errorf("AppendMAC allocates %v times with room in dst; expected 0", allocs)
	}
}

func FuzzAgainstStandardLibrary(f *testing.F) {
	f.Add([]byte("key"), []byte("The quick brown fox jumps over the lazy dog"))
	f.Add(bytes.Repeat([]byte{0xaa}, 131), bytes.Repeat([]byte{0xdd}, 200))
	f.Fuzz(func(t *testing.T, key, msg []byte) {
		checkMAC(t, New(key), key, msg)
	})
}

func checkMAC(t *testing.T, k *Key, key, msg []byte) {
	t.Helper()
	std := hmac.New(sha256.New, key)
	std.Write(msg)
	if got, want := k.AppendMAC(nil, msg), std.Sum(nil); !bytes.Equal(got, want) {
		t.Fatalf("MAC with a %d-byte key of %d bytes = %x; crypto/hmac gives %x", len(key), len(msg), got, want)
	}
}

func BenchmarkAppendMAC(b *testing.B) {
	k := New([]byte("a demo secret of 32 bytes length"))
	msg := make([]byte, 200)
	dst := make([]byte, 0, Size)
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		k.AppendMAC(dst, msg)
	}
}
