package qboemu

// newAuthority, newLimiter and newNotifier pick the implementations behind
// the emulator's small interfaces.

func newAuthority(opts Options, e *Emulator) (authority, error) {
	return newOAuthServer(opts, e)
}

func newLimiter(opts Options) limiter {
	if opts.Limits.Off {
		return openLimiter{}
	}
	return newWindowLimiter(opts.Limits, opts.TimeScale, opts.Now)
}

func newNotifier(opts Options) notifier {
	if opts.WebhookURL == "" {
		return silentNotifier{}
	}
	return newPostNotifier(opts.WebhookURL, opts.WebhookVerifier, opts.WebhookFormat, opts.Logger)
}
