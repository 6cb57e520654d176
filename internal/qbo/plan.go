package qbo

import (
	"context"
	"strconv"
	"strings"
)

// Plan is what Hoursync needs to know about the company's QuickBooks subscription.
type Plan struct {
	// Name is CompanyInfo's OfferingSku, e.g. "QuickBooks Online Essentials".
	Name string
	// TimeTracking is Preferences' OtherPrefs TimeTrackingFeatureEnabled.
	TimeTracking bool
}

// CanSyncTime reports whether TimeActivities can be written (Essentials or better).
func (p Plan) CanSyncTime() bool { return p.TimeTracking }

// Plan reads CompanyInfo's OfferingSku and Preferences' TimeTrackingFeatureEnabled.
// When the preference is absent the plan name decides: every plan but Simple Start
// tracks time.
func (c *Client) Plan(ctx context.Context) (Plan, error) {
	_, p, err := c.Company(ctx)
	return p, err
}

// Company reads CompanyInfo and the Plan in two calls (what connecting needs: the
// company's name and whether it can take time).
func (c *Client) Company(ctx context.Context) (CompanyInfo, Plan, error) {
	info, err := c.CompanyInfo(ctx)
	if err != nil {
		return CompanyInfo{}, Plan{}, err
	}
	prefs, err := c.Preferences(ctx)
	if err != nil {
		return CompanyInfo{}, Plan{}, err
	}
	return info, PlanOf(info, prefs), nil
}

// PlanOf derives the Plan from a company's CompanyInfo and Preferences.
func PlanOf(info CompanyInfo, prefs Preferences) Plan {
	p := Plan{Name: info.Value("OfferingSku")}
	if v, ok := prefs.Value("TimeTrackingFeatureEnabled"); ok {
		p.TimeTracking, _ = strconv.ParseBool(strings.TrimSpace(v))
		return p
	}
	p.TimeTracking = p.Name != "" && !strings.Contains(strings.ToLower(p.Name), "simple start")
	return p
}
