//go:build unix

package main

import (
	"os"

	"golang.org/x/sys/unix"
)

// stdinPending reports whether the standard input has bytes to read at
// once (poll with a zero timeout).
func stdinPending() bool {
	fds := []unix.PollFd{{Fd: int32(os.Stdin.Fd()), Events: unix.POLLIN}}
	n, err := unix.Poll(fds, 0)
	return err == nil && n > 0 && fds[0].Revents&unix.POLLIN != 0
}
