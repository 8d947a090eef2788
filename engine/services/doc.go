// Package services holds the built-in services written in Go for speed:
// connection manager, push / pull / push-pull gossip, message producer and
// downtime. Defaults follow p2psimpy (see each type) except where its
// behaviour is a known bug; those places say so.
//
// Each constructor (NewPushGossip, NewPullGossip, NewPushPullGossip,
// NewConnManager, NewProducer, NewRandomDowntime) returns its service set to
// the defaults, and is the one place they are written: a front end that
// fills in omitted parameters, or documents them, reads the fields of a
// fresh value (a dist.Dist prints as its scipy-style call) rather than
// repeating the numbers.
package services
