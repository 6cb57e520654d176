package qboemu_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"hoursync/internal/qboemu"
)

// The consent page's "new company" form offers every kind and multicurrency.
func TestConsentPageCreatesACompanyOfTheChosenKind(t *testing.T) {
	e := newOAuthEnv(t)
	browser := noRedirect()
	resp, err := browser.Get(e.conf.AuthCodeURL("st-kind"))
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, k := range qboemu.Kinds {
		if !strings.Contains(string(page), `<option value="`+k+`"`) {
			t.Fatalf("no kind %s on the consent page:\n%s", k, page)
		}
	}
	if !strings.Contains(string(page), `name="multicurrency"`) {
		t.Fatalf("no multicurrency choice:\n%s", page)
	}
	form := url.Values{}
	for _, m := range regexp.MustCompile(`<input type="hidden" name="(\w+)" value="([^"]*)">`).FindAllStringSubmatch(string(page), -1) {
		form.Set(m[1], htmlUnescape(m[2]))
	}
	form.Set("realm", "new")
	form.Set("company_name", "Maple Studio")
	form.Set("plan", "Plus")
	form.Set("kind", "CA")
	form.Set("multicurrency", "on")
	form.Set("given_name", "Chloe")
	form.Set("family_name", "Tremblay")
	form.Set("decision", "approve")
	resp, err = browser.PostForm(e.srv.URL+"/connect/oauth2", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	realm := loc.Query().Get("realmId")
	if resp.StatusCode != http.StatusFound || realm == "" {
		t.Fatalf("redirect %d %s", resp.StatusCode, loc)
	}
	tok, err := e.conf.Exchange(context.Background(), loc.Query().Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/v3/company/"+realm+"/preferences", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Accept", "application/json")
	presp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var prefs struct {
		Preferences struct {
			TaxPrefs      struct{ UsingSalesTax bool }
			CurrencyPrefs struct {
				MultiCurrencyEnabled bool
				HomeCurrency         struct {
					Value string `json:"value"`
				}
			}
		}
	}
	_ = json.NewDecoder(presp.Body).Decode(&prefs)
	presp.Body.Close()
	p := prefs.Preferences
	if !p.TaxPrefs.UsingSalesTax || !p.CurrencyPrefs.MultiCurrencyEnabled || p.CurrencyPrefs.HomeCurrency.Value != "CAD" {
		t.Fatalf("preferences of the new company: %+v", p)
	}
	// The company list on the next consent page names the kind.
	resp, err = browser.Get(e.conf.AuthCodeURL("st-2"))
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "Maple Studio <span class=\"note\">(Plus, Canada (GST/HST/PST), realm "+realm) {
		t.Fatalf("company list:\n%s", page)
	}
}
