// SPDX-License-Identifier: MIT

// h2server: an HTTP/2 server over TLS (a certificate generated at start, standard library only)
// whose handler does a fixed amount of work per request, for causalctl to profile without any
// change to the code: the progress point is a uprobe on main.handle (--progress main.handle).
//
//	h2server [-addr 127.0.0.1:8443] [-n REQUESTS] [-work N] [-ready FILE]
//
// It writes FILE (default: none) once it listens, and exits after REQUESTS requests.
// The "real change" that checks a prediction is -work: the checksum loop (the line marked
// "checksum") runs N rounds per request; halving N speeds that line up by 50 %.
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"flag"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"
)

var (
	work    = flag.Int("work", 200, "checksum rounds per request")
	served  int64
	limit   int64
	payload = make([]byte, 4096)
	done    = make(chan struct{})
)

//go:noinline
func checksum(b []byte, rounds int) uint32 {
	var h uint32 = 2166136261
	for r := 0; r < rounds; r++ {
		// one line on purpose (not gofmt's layout): the loop's own instructions belong to the
		// line that -work speeds up, so that --fixed-line there is the whole change
		for _, c := range b { h = (h ^ uint32(c)) * 16777619 } // checksum
	}
	return h
}

//go:noinline
func handle(w http.ResponseWriter, r *http.Request) {
	sum := checksum(payload, *work)
	w.Header().Set("Content-Type", "text/plain")
	fmt.Fprintf(w, "%08x %s\n", sum, r.Proto)
	if atomic.AddInt64(&served, 1) == limit {
		close(done)
	}
}

func certificate() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8443", "listen address")
	n := flag.Int64("n", 2000, "requests to serve before exiting")
	ready := flag.String("ready", "", "file to create once listening")
	flag.Parse()
	limit = *n
	for i := range payload {
		payload[i] = byte(i * 7)
	}
	cert, err := certificate()
	if err != nil {
		fmt.Fprintln(os.Stderr, "h2server:", err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "h2server:", err)
		os.Exit(1)
	}
	srv := &http.Server{
		Handler:   http.HandlerFunc(handle),
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2"}},
	}
	go func() {
		if err := srv.ServeTLS(ln, "", ""); err != nil && err != http.ErrServerClosed {
			fmt.Fprintln(os.Stderr, "h2server:", err)
			os.Exit(1)
		}
	}()
	if *ready != "" {
		os.WriteFile(*ready, []byte("ready\n"), 0o644)
	}
	start := time.Now()
	<-done
	el := time.Since(start)
	fmt.Printf("h2server: %d requests in %.2fs, %.1f requests/s\n", limit, el.Seconds(),
		float64(limit)/el.Seconds())
	// gracefully: the requests still in flight when the last one was counted get their answers
	// (Close would drop them, and the client count them as failed)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "h2server: shutdown:", err)
		os.Exit(1)
	}
}
