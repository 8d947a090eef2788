// Package services holds the built-in services written in Go for speed:
// connection manager, push / pull / push-pull gossip, message producer and
// downtime. Defaults follow p2psimpy (see each type) except where its
// behaviour is a known bug; those places say so.
package services
