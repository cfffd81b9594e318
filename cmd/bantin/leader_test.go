package main

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bantin/bantin/internal/pgtest"
	"github.com/bantin/bantin/internal/testutil"
)

func TestLeaderWorkStopsWhole(t *testing.T) {
	var lw leaderWork
	boom := errors.New("boom")
	stopped := make(chan struct{})
	lw.add("steady", func(ctx context.Context) error { <-ctx.Done(); close(stopped); return nil })
	lw.add("failing", func(context.Context) error { return boom })
	err := lw.run(context.Background())
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "failing: ") {
		t.Fatalf("run = %v, want the failing part's error, named", err)
	}
	select {
	case <-stopped:
	default:
		t.Fatal("a failing part did not stop the others")
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	lw = leaderWork{}
	lw.add("steady", func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })
	if err := lw.run(ctx); err != nil {
		t.Fatalf("run after ctx ended = %v, want nil", err)
	}
}

func TestServeOnSQLiteLeads(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr testutil.LockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, &stdout, &stderr, tempEnv(t, "BANTIN_HTTP_ADDR=127.0.0.1:0"))
	}()
	base := waitForURL(t, &stderr)
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(mustGet(t, base+"metrics"), "\nbantin_leader 1\n") {
		if time.Now().After(deadline) {
			t.Fatalf("the only serve on a SQLite file does not lead; logs:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Fatalf("serve exited %d; logs:\n%s", code, stderr.String())
	}
}

var leadingLine = regexp.MustCompile(`msg="cluster: leading" instance=\S+`)

// TestServeFailoverBetweenProcesses starts two bantin serve processes on
// one PostgreSQL schema, kills the leader with SIGKILL, and waits for the
// other to lead: within 30 s, the daemon's promise (12 s with the default
// timings).
func TestServeFailoverBetweenProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and waits through a failover")
	}
	dbURL := pgtest.URL(t)
	bin, err := buildBantin()
	if err != nil {
		t.Fatal(err)
	}

	type proc struct {
		cmd  *exec.Cmd
		logs *testutil.LockedBuffer
		done chan struct{}
	}
	startServe := func() *proc {
		dir := t.TempDir()
		cmd := exec.Command(bin, "serve")
		cmd.Dir = dir
		cmd.Env = []string{
			"BANTIN_DATABASE_URL=" + dbURL,
			"BANTIN_HTTP_ADDR=127.0.0.1:0",
			"BANTIN_ARTICLES_DIR=" + filepath.Join(dir, "articles"),
			"BANTIN_MAIL_MAILDIR=" + filepath.Join(dir, "mail"),
			"HOME=" + dir,
		}
		p := &proc{cmd: cmd, logs: new(testutil.LockedBuffer), done: make(chan struct{})}
		cmd.Stdout, cmd.Stderr = p.logs, p.logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { _ = cmd.Wait(); close(p.done) }()
		t.Cleanup(func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-p.done:
			case <-time.After(20 * time.Second):
				_ = cmd.Process.Kill()
				<-p.done
			}
			if t.Failed() {
				t.Logf("logs of pid %d:\n%s", cmd.Process.Pid, p.logs.String())
			}
		})
		return p
	}
	procs := []*proc{startServe(), startServe()}

	waitLeading := func(within time.Duration, among ...*proc) (*proc, time.Duration) {
		began := time.Now()
		for time.Since(began) < within {
			var leaders []*proc
			for _, p := range among {
				if leadingLine.MatchString(p.logs.String()) {
					leaders = append(leaders, p)
				}
			}
			switch len(leaders) {
			case 0:
			case 1:
				return leaders[0], time.Since(began)
			default:
				t.Fatal("both processes lead")
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("no process led within %s", within)
		return nil, 0
	}
	leader, took := waitLeading(30*time.Second, procs...)
	t.Logf("pid %d leads, %s after start: %s", leader.cmd.Process.Pid, took.Round(time.Millisecond),
		leadingLine.FindString(leader.logs.String()))
	follower := procs[0]
	if follower == leader {
		follower = procs[1]
	}
	base := waitForURL(t, follower.logs)
	if m := mustGet(t, base+"metrics"); !strings.Contains(m, "\nbantin_leader 0\n") {
		t.Errorf("the follower's /metrics lacks bantin_leader 0:\n%s", m)
	}

	if err := leader.cmd.Process.Kill(); err != nil { // SIGKILL: no goodbye to the server
		t.Fatal(err)
	}
	<-leader.done
	_, took = waitLeading(30*time.Second, follower)
	t.Logf("failover after SIGKILL: %s", took.Round(time.Millisecond))
	if m := mustGet(t, base+"metrics"); !strings.Contains(m, "\nbantin_leader 1\n") {
		t.Errorf("the new leader's /metrics lacks bantin_leader 1:\n%s", m)
	}
}
