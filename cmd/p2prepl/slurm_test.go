package main

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSlurmJobArray starts a one-node Slurm cluster on localhost (munged,
// slurmctld and slurmd from Debian's slurm-wlm and munge, configured in a
// temporary directory), submits a 20-run sweep as a job array of 4 tasks,
// waits for it, merges the shards and checks that the merged store holds
// exactly the runs and rows of the same sweep run locally. It skips where
// Slurm cannot be started (not installed, not root); under CI (CI set) it
// fails instead, since .ci/run installs Slurm.
func TestSlurmJobArray(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: no Slurm cluster")
	}
	conf := startSlurm(t)
	dir := t.TempDir()
	sweep := []string{"sweep", cellScript, "--grid", "fanout=1,2", "--grid", "loss=0,0.2", "--seeds", "5"}

	local := filepath.Join(dir, "local.db")
	if r := p2prepl(t, append(sweep, "-j", "2", "--store", local, "--out", dir)...); r.code != 0 {
		t.Fatalf("local sweep: %s", r.stderr)
	}

	sdir := filepath.Join(dir, "slurm")
	cmd := exec.Command(binary, append(sweep, "--slurm", sdir, "--tasks", "4", "--submit")...)
	cmd.Env = append(os.Environ(), "SLURM_CONF="+conf)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sweep --slurm --submit: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`submitted job (\d+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no job id in:\n%s", out)
	}
	script, err := os.ReadFile(filepath.Join(sdir, "sweep.sbatch"))
	if err != nil || !bytes.Contains(script, []byte("#SBATCH --array=0-3")) {
		t.Fatalf("sweep.sbatch: %v\n%s", err, script)
	}
	job := string(m[1])
	deadline := time.Now().Add(60 * time.Second)
	for {
		q := exec.Command("squeue", "-h", "-j", job)
		q.Env = cmd.Env
		qout, err := q.CombinedOutput()
		if err == nil && len(bytes.TrimSpace(qout)) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s still queued after 60 s: %s\n%s", job, qout, slurmLogs(sdir))
		}
		time.Sleep(250 * time.Millisecond)
	}
	shards, _ := filepath.Glob(filepath.Join(sdir, "shards", "*.db"))
	if len(shards) != 4 {
		t.Fatalf("%d shard stores, want 4\n%s", len(shards), slurmLogs(sdir))
	}
	r := p2prepl(t, "results", "merge", sdir)
	if r.code != 0 || !strings.Contains(r.stdout, "merged 20 new runs") {
		t.Fatalf("merge: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	merged := filepath.Join(sdir, "results.db")
	if got, want := rowsOf(t, merged), rowsOf(t, local); !reflect.DeepEqual(got, want) || len(got) != 20 {
		t.Errorf("merged store differs from the local sweep:\n%v\nvs\n%v", got, want)
	}
	// Reading the directory gives the same as the merged file.
	if got, want := rowsOf(t, sdir), rowsOf(t, merged); !reflect.DeepEqual(got, want) {
		t.Errorf("reading the directory differs from the merged store")
	}
}

func slurmLogs(dir string) string {
	var b strings.Builder
	logs, _ := filepath.Glob(filepath.Join(dir, "logs", "*"))
	for _, l := range logs {
		data, _ := os.ReadFile(l)
		fmt.Fprintf(&b, "== %s\n%s\n", l, data)
	}
	return b.String()
}

// startSlurm starts munged, slurmctld and slurmd for a one-node cluster in
// a temporary directory and returns the slurm.conf path; the daemons are
// stopped by pid when the test ends.
func startSlurm(t *testing.T) string {
	t.Helper()
	cannot := func(format string, args ...any) {
		t.Helper()
		msg := fmt.Sprintf("cannot start a Slurm cluster: "+format, args...)
		if os.Getenv("CI") != "" {
			t.Fatal(msg + " (CI is set: .ci/run installs slurm-wlm and munge)")
		}
		t.Skip(msg + " (apt-get install slurm-wlm munge, and run the tests as root, to run this test)")
	}
	if runtime.GOOS != "linux" {
		cannot("not Linux")
	}
	if os.Geteuid() != 0 {
		cannot("not root (munged and slurmd need it)")
	}
	os.Setenv("PATH", os.Getenv("PATH")+":/usr/sbin:/sbin")
	for _, prog := range []string{"munged", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo"} {
		if _, err := exec.LookPath(prog); err != nil {
			cannot("%s is not installed", prog)
		}
	}
	mu, err := user.Lookup("munge")
	if err != nil {
		cannot("no munge user: %v", err)
	}
	uid, _ := strconv.Atoi(mu.Uid)
	gid, _ := strconv.Atoi(mu.Gid)

	// Short paths: Unix socket names are limited to ~100 bytes.
	dir, err := os.MkdirTemp("", "p2prepl-slurm-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	mdir := filepath.Join(dir, "munge")
	key := make([]byte, 128)
	rand.Read(key)
	if err := os.Mkdir(mdir, 0o755); err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(mdir, "munge.key")
	if err := os.WriteFile(keyFile, key, 0o400); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{mdir, keyFile} {
		if err := os.Chown(p, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	socket := filepath.Join(mdir, "munge.sock")

	var daemons []*exec.Cmd
	t.Cleanup(func() {
		for i := len(daemons) - 1; i >= 0; i-- {
			d := daemons[i]
			d.Process.Signal(syscall.SIGTERM)
			done := make(chan struct{})
			go func() { d.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				d.Process.Kill()
				<-done
			}
		}
	})
	start := func(name string, cred bool, args ...string) {
		t.Helper()
		cmd := exec.Command(name, args...)
		logf, err := os.Create(filepath.Join(dir, name+".out"))
		if err != nil {
			t.Fatal(err)
		}
		defer logf.Close()
		cmd.Stdout, cmd.Stderr = logf, logf
		if cred {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
		}
		if err := cmd.Start(); err != nil {
			cannot("%s: %v", name, err)
		}
		daemons = append(daemons, cmd)
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				var logs strings.Builder
				outs, _ := filepath.Glob(filepath.Join(dir, "*.out"))
				more, _ := filepath.Glob(filepath.Join(dir, "log", "*"))
				for _, f := range append(outs, more...) {
					data, _ := os.ReadFile(f)
					fmt.Fprintf(&logs, "== %s\n%s\n", f, data)
				}
				cannot("%s did not happen within 20 s\n%s", what, logs.String())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	start("munged", true, "-F", "--socket="+socket, "--key-file="+keyFile,
		"--pid-file="+filepath.Join(mdir, "munged.pid"), "--log-file="+filepath.Join(mdir, "munged.log"),
		"--seed-file="+filepath.Join(mdir, "munged.seed"))
	waitFor("munged's socket", func() bool { _, err := os.Stat(socket); return err == nil })

	host, _ := os.Hostname()
	host, _, _ = strings.Cut(host, ".")
	for _, d := range []string{"state", "spool", "log"} {
		os.Mkdir(filepath.Join(dir, d), 0o755)
	}
	ctldPort, dPort := freePort(t), freePort(t)
	conf := filepath.Join(dir, "slurm.conf")
	text := fmt.Sprintf(`ClusterName=p2prepltest
SlurmctldHost=%[1]s
SlurmctldPort=%[3]d
SlurmdPort=%[4]d
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=%[5]s
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
StateSaveLocation=%[2]s/state
SlurmdSpoolDir=%[2]s/spool
SlurmctldPidFile=%[2]s/slurmctld.pid
SlurmdPidFile=%[2]s/slurmd.pid
SlurmctldLogFile=%[2]s/log/slurmctld.log
SlurmdLogFile=%[2]s/log/slurmd.log
NodeName=%[1]s CPUs=%[6]d State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
`, host, dir, ctldPort, dPort, socket, runtime.NumCPU())
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Setenv("SLURM_CONF", conf) // for the clients this test runs
	t.Cleanup(func() { os.Unsetenv("SLURM_CONF") })
	start("slurmctld", false, "-D", "-f", conf)
	start("slurmd", false, "-D", "-f", conf, "-N", host)
	waitFor("an idle node in sinfo", func() bool {
		out, err := exec.Command("sinfo", "-h", "-o", "%t").Output()
		return err == nil && strings.Contains(string(out), "idle")
	})
	return conf
}

// freePort returns a TCP port nothing listens on now.
func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
