//go:build !linux

package main

// supervise is Linux-only (it needs RLIMIT_AS and a parent-death
// signal): elsewhere scripts run in the process itself, with the
// watchdog of bindings.SetMemoryLimit but no address-space limit.
func supervise(args []string, limit int64) int { return -1 }

func limitAddressSpace(limit int64) {}
