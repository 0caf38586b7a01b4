// SPDX-License-Identifier: MIT

// h2client: keeps INFLIGHT requests in flight over one HTTP/2 (TLS) connection to h2server
// until REQUESTS have been answered, then prints the rate and mean latency.
//
//	h2client [-addr 127.0.0.1:8443] [-n REQUESTS] [-inflight 10]
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8443", "server address")
	n := flag.Int64("n", 2000, "requests")
	inflight := flag.Int("inflight", 10, "requests in flight")
	flag.Parse()
	client := &http.Client{Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{InsecureSkipVerify: true},
		ForceAttemptHTTP2: true,
	}}
	var sent, failed, latency int64
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < *inflight; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for atomic.AddInt64(&sent, 1) <= *n {
				t0 := time.Now()
				resp, err := client.Get("https://" + *addr + "/")
				if err != nil {
					if atomic.AddInt64(&failed, 1) == 1 {
						fmt.Fprintln(os.Stderr, "h2client: first failed request:", err)
					}
					time.Sleep(10 * time.Millisecond)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.ProtoMajor != 2 {
					fmt.Fprintln(os.Stderr, "h2client: not HTTP/2:", resp.Proto)
					os.Exit(1)
				}
				atomic.AddInt64(&latency, int64(time.Since(t0)))
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	ok := *n - failed
	if ok <= 0 {
		fmt.Fprintln(os.Stderr, "h2client: no request succeeded")
		os.Exit(1)
	}
	fmt.Printf("h2client: %d requests (%d failed) in %.2fs, mean latency %.2f ms\n", ok, failed,
		el.Seconds(), float64(latency)/float64(ok)/1e6)
}
