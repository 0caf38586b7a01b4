// SPDX-License-Identifier: MIT

// cgocb: C threads that call back into Go (the shape of Go issue 60961): THREADS C threads
// each do some C work and then call the exported Go function goCallback, CALLS times. Up to Go
// 1.20, a callback from a thread that Go did not create borrowed an M from the runtime's single
// list of extra Ms, which one lock guards, and gave it back after: with many threads calling back,
// that path was the bottleneck, while the callbacks themselves cost almost nothing. Since Go 1.21
// such a thread keeps its M until it exits, and the C work dominates. Its twin in C, cgo_twin.c, puts an ordinary
// global mutex on the callback path. The progress point is a uprobe on batch_done, which the C
// threads call after every 100 callbacks (a uprobe per callback would cost more than the callback
// under emulation), so the code has no profiler in it.
//
//	cgocb [-threads 4] [-calls 20000] [-cwork 200]
package main

/*
#cgo CFLAGS: -O1 -g -fno-omit-frame-pointer
int run_workers(int threads, long n, long work);
*/
import "C"

import (
	"flag"
	"fmt"
	"os"
	"sync/atomic"
	"time"
)

var callbacks int64

//export goCallback
func goCallback(i C.int) {
	atomic.AddInt64(&callbacks, 1) // Go callback body
}

func main() {
	threads := flag.Int("threads", 4, "C threads")
	calls := flag.Int64("calls", 20000, "callbacks per thread")
	cwork := flag.Int64("cwork", 200, "C work per callback (LCG steps)")
	flag.Parse()
	start := time.Now()
	if C.run_workers(C.int(*threads), C.long(*calls), C.long(*cwork)) != 0 {
		fmt.Fprintln(os.Stderr, "cgocb: pthread_create failed")
		os.Exit(1)
	}
	el := time.Since(start)
	fmt.Printf("cgocb: %d callbacks from %d C threads in %.2fs, %.0f callbacks/s\n",
		atomic.LoadInt64(&callbacks), *threads, el.Seconds(),
		float64(atomic.LoadInt64(&callbacks))/el.Seconds())
}
