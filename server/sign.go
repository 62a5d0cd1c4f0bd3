package server

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/signet-media/signet/config"
	"github.com/signet-media/signet/core"
)

// iso8601 is the form of valid-until in responses: UTC, whole seconds.
const iso8601 = "2006-01-02T15:04:05Z"

// notSignable is the error text Opencast's External API returns, with
// status 200, for a URL that no key signs.
const notSignable = "Given URL cannot be signed"

// The form parameters of a sign request.
const (
	paramURL        = "url"
	paramValidUntil = "valid-until"
	paramSource     = "valid-source"
	paramResource   = "resource"
)

// signResponse is the body of a successful sign request.
type signResponse struct {
	URL        string `json:"url"`
	ValidUntil string `json:"valid-until"`
}

// handleSign signs the URL in the form parameter url, as Opencast's
// POST /api/security/sign does. negotiate and authorize have run.
func (s *Server) handleSign(c *gin.Context) {
	form, ok := s.readForm(c)
	if !ok {
		return
	}
	req, ok := s.signRequest(c, form)
	if !ok {
		return
	}
	signed, err := s.signer.Sign(req)
	if err != nil {
		s.failSign(c, err)
		return
	}
	if len(signed.URL) > s.cfg.MaxURLBytes {
		s.failParam(c, paramURL, fmt.Sprintf(
			"invalid url: the signed URL would be %d bytes, more than the %d bytes this server accepts (limits.max-url-bytes); sign a shorter URL",
			len(signed.URL), s.cfg.MaxURLBytes))
		return
	}
	rec := recordOf(c.Request)
	rec.keyID, rec.outcome = signed.KeyID, "signed"
	s.writeJSON(c, http.StatusOK, signResponse{
		URL:        signed.URL,
		ValidUntil: signed.ValidUntil.UTC().Format(iso8601),
	})
}

// readForm parses a URL-encoded or multipart body and returns its
// parameters. Parameters in the query string are ignored, as in Opencast.
func (s *Server) readForm(c *gin.Context) (url.Values, bool) {
	r := c.Request
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var err error
	switch mediaType {
	case "multipart/form-data":
		err = r.ParseMultipartForm(s.cfg.MaxBodyBytes)
		if r.MultipartForm != nil {
			r.MultipartForm.RemoveAll()
		}
	case "application/x-www-form-urlencoded", "":
		err = r.ParseForm()
	default:
		s.fail(c, http.StatusUnsupportedMediaType, problem{
			Error: fmt.Sprintf("unsupported Content-Type %q: send application/x-www-form-urlencoded or multipart/form-data", mediaType),
		})
		return nil, false
	}
	switch {
	case isBodyTooLarge(err):
		s.failBodyTooLarge(c)
		return nil, false
	case err != nil:
		s.fail(c, http.StatusBadRequest, problem{Error: "invalid form body: " + err.Error()})
		return nil, false
	}
	return r.PostForm, true
}

// signForm is the form parameters of a sign request.
type signForm struct {
	url, validUntil, source, resource string
}

// signRequest reads the form parameters into a core.SignRequest, or
// rejects the request with 400 naming the parameter at fault.
func (s *Server) signRequest(c *gin.Context, form url.Values) (core.SignRequest, bool) {
	var f signForm
	fields := []struct {
		name  string
		value *string
	}{
		{paramURL, &f.url},
		{paramValidUntil, &f.validUntil},
		{paramSource, &f.source},
		{paramResource, &f.resource},
	}
	for _, field := range fields {
		v, err := formValue(form, field.name)
		if err != nil {
			s.failParam(c, field.name, err.Error())
			return core.SignRequest{}, false
		}
		*field.value = v
	}
	if f.url == "" {
		s.failParam(c, paramURL, "missing url: give the URL to sign in the form parameter url")
		return core.SignRequest{}, false
	}
	for _, param := range []struct{ name, value string }{{paramURL, f.url}, {paramResource, f.resource}} {
		if err := checkServablePath(param.name, param.value); err != nil {
			s.failParam(c, param.name, err.Error())
			return core.SignRequest{}, false
		}
	}
	validUntil, err := s.validUntil(f.validUntil)
	if err != nil {
		s.failParam(c, paramValidUntil, err.Error())
		return core.SignRequest{}, false
	}
	p := c.MustGet(principalKey).(*principal)
	return core.SignRequest{
		URL:          f.url,
		ValidUntil:   validUntil,
		IP:           f.source,
		Resource:     f.resource,
		Organization: p.organization,
	}, true
}

// checkServablePath returns an error naming the parameter name when the
// path of rawURL, a URL or resource pattern to sign, is one that the media
// route, forward authentication and signet edge reject as ambiguous (see
// ambiguousPath). So no caller is handed a URL that always fails.
func checkServablePath(name, rawURL string) error {
	target, _, _ := strings.Cut(rawURL, "#")
	p, _, _ := strings.Cut(originForm(target), "?")
	if !ambiguousPath(p) {
		return nil
	}
	return fmt.Errorf("invalid %s %s: its path has an empty, '.' or '..' segment, also before a ';', or an encoded slash, "+
		"which signet refuses to serve; sign the normalized path", name, quoteInput(rawURL))
}

// formValue returns the value of a parameter, empty when it is absent, and
// an error when it is given more than once.
func formValue(form url.Values, name string) (string, error) {
	values := form[name]
	switch len(values) {
	case 0:
		return "", nil
	case 1:
		return values[0], nil
	}
	return "", fmt.Errorf("invalid %s: given %d times; give it once", name, len(values))
}

// validUntil parses the requested end of validity, or returns now plus
// DefaultLifetime when text is empty. The time is cut to whole seconds, so
// that the response states exactly the end in the policy. It must lie in
// the future and at most MaxLifetime from now.
func (s *Server) validUntil(text string) (time.Time, error) {
	now := s.now()
	if text == "" {
		return now.Add(s.cfg.DefaultLifetime).Truncate(time.Second), nil
	}
	t, err := parseISO8601(text)
	if err != nil {
		return time.Time{}, err
	}
	t = t.Truncate(time.Second)
	if !t.After(now) {
		return time.Time{}, fmt.Errorf("invalid valid-until %s: it is not in the future (now is %s)",
			quoteInput(text), now.UTC().Format(iso8601))
	}
	if t.Sub(now) > s.cfg.MaxLifetime {
		return time.Time{}, fmt.Errorf("invalid valid-until %s: it is more than the maximum lifetime of %v from now",
			quoteInput(text), s.cfg.MaxLifetime)
	}
	return t, nil
}

// maxQuotedInput bounds how much of a rejected value an error message
// repeats, in bytes.
const maxQuotedInput = 36

// quoteInput quotes a value the client sent for an error message, cut to
// maxQuotedInput bytes so that a long value, perhaps a pasted signature,
// is not repeated whole.
func quoteInput(text string) string {
	if len(text) <= maxQuotedInput {
		return strconv.Quote(text)
	}
	return strconv.Quote(text[:maxQuotedInput]) + "... (" + strconv.Itoa(len(text)) + " bytes)"
}

// parseISO8601 parses an ISO 8601 date and time in the form of RFC 3339,
// with config.ParseRFC3339, and returns an error naming valid-until.
func parseISO8601(text string) (time.Time, error) {
	t, err := config.ParseRFC3339(text)
	if err == nil {
		return t, nil
	}
	const example = "use ISO 8601 such as 2018-03-19T13:08:39Z"
	var parseErr *time.ParseError
	if errors.As(err, &parseErr) && parseErr.Message != "" {
		return time.Time{}, fmt.Errorf("invalid valid-until %s: %s; %s",
			quoteInput(text), strings.TrimPrefix(parseErr.Message, ": "), example)
	}
	return time.Time{}, fmt.Errorf("invalid valid-until %s: %s", quoteInput(text), example)
}

// paramError returns the message of a core error about a parameter, with
// the parameter's name in place of the core's wording: "invalid url: raw
// space at byte 5; ..." rather than "invalid url: invalid URL: ...".
func paramError(name string, err, sentinel error) string {
	return "invalid " + name + strings.TrimPrefix(err.Error(), sentinel.Error())
}

func (s *Server) failParam(c *gin.Context, name, message string) {
	s.fail(c, http.StatusBadRequest, problem{Error: message, Parameter: name})
}

// failSign writes the response to an error of core.Signer.Sign: 200 with
// Opencast's error text for a URL that no key signs, and 400 naming the
// parameter for invalid input.
func (s *Server) failSign(c *gin.Context, err error) {
	switch {
	case errors.Is(err, core.ErrNotAccepted):
		rec := recordOf(c.Request)
		rec.err = redactText(strings.TrimPrefix(err.Error(), "core: "))
		rec.outcome = "not-signable"
		s.writeJSON(c, http.StatusOK, problem{Error: notSignable})
	case errors.Is(err, core.ErrInvalidURL):
		s.failParam(c, paramURL, paramError(paramURL, err, core.ErrInvalidURL))
	case errors.Is(err, core.ErrInvalidIP):
		s.failParam(c, paramSource, paramError(paramSource, err, core.ErrInvalidIP))
	case errors.Is(err, core.ErrInvalidResource):
		s.failParam(c, paramResource, paramError(paramResource, err, core.ErrInvalidResource))
	default:
		s.logger.Error("signing failed", "error", err, "user", recordOf(c.Request).user)
		s.fail(c, http.StatusInternalServerError, problem{Error: "internal server error"})
	}
}
