//go:build !unix

package main

// stdinPending is unknown here: pastes are taken one read at a time.
var stdinPending func() bool
