package worker

import (
	"context"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"
)

// autoHeartbeat keeps every activity that has a heartbeat timeout heartbeating while
// its worker process lives. A worker killed in the middle of a QBO call is then noticed
// within the heartbeat timeout and the activity retried on another worker (with the
// same request ids, so nothing is written twice), instead of after the activity's
// whole StartToClose timeout; and an activity slowed by QBO's throttling is never
// failed for going quiet. It re-sends the activity's own latest heartbeat details, so
// the progress operators see in the Temporal UI is kept.
type autoHeartbeat struct {
	interceptor.WorkerInterceptorBase
}

func (*autoHeartbeat) InterceptActivity(ctx context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	a := &heartbeatingActivity{}
	a.Next = next
	return a
}

type heartbeatingActivity struct {
	interceptor.ActivityInboundInterceptorBase
	out *lastHeartbeat
}

func (a *heartbeatingActivity) Init(outbound interceptor.ActivityOutboundInterceptor) error {
	a.out = &lastHeartbeat{}
	a.out.Next = outbound
	return a.Next.Init(a.out)
}

func (a *heartbeatingActivity) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	info := activity.GetInfo(ctx)
	if info.IsLocalActivity || info.HeartbeatTimeout <= 0 {
		return a.Next.ExecuteActivity(ctx, in)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(info.HeartbeatTimeout / 3)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
				a.out.resend(ctx)
			}
		}
	}()
	defer func() {
		close(done)
		wg.Wait() // no heartbeat after the activity has returned
	}()
	return a.Next.ExecuteActivity(ctx, in)
}

// lastHeartbeat remembers the details of the activity's own latest heartbeat.
type lastHeartbeat struct {
	interceptor.ActivityOutboundInterceptorBase
	mu      sync.Mutex
	details []any
}

func (o *lastHeartbeat) RecordHeartbeat(ctx context.Context, details ...any) {
	o.mu.Lock()
	o.details = details
	o.mu.Unlock()
	o.Next.RecordHeartbeat(ctx, details...)
}

func (o *lastHeartbeat) resend(ctx context.Context) {
	o.mu.Lock()
	details := o.details
	o.mu.Unlock()
	o.Next.RecordHeartbeat(ctx, details...)
}
