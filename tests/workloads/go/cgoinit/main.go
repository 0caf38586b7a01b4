// SPDX-License-Identifier: MIT

// cgoinit: goroutines calling C that calls back into Go, the shape of the published cgo case.
// WORKERS goroutines take TASKS tasks from a shared counter; each task is one call Go -> C ->
// exported Go callback, on Go's own threads. Every C-to-Go call passes through
// _cgo_wait_runtime_init_done (runtime/cgo/gcc_libinit.c): up to Go 1.21 it locks the global
// runtime_init_mu on every call, since Go 1.22 an atomic load skips the lock once the runtime is
// up. Built with each (make go-cgoinit: build/go/cgoinit-1.21, build/go/cgoinit-1.22), the same
// source is the before and after of that fix. The progress point is a uprobe on main.progress,
// called once per 1000 completed tasks, so the program has no profiler in it.
//
// Each callback also calls _cgo_get_context_function, which Go 1.21 makes lock the same mutex and
// Go 1.22 an atomic load too. With -selfcost N, the workers instead make the pair of calls
// themselves N times in all, from C, and the program prints its cost per pair: the two
// functions' own cost, before and after.
//
//	cgoinit [-workers 8] [-tasks 1000000] [-selfcost N]
package main

/*
#cgo CFLAGS: -O1 -g -fno-omit-frame-pointer
#include <stdint.h>
extern void goTask(int);
extern uintptr_t _cgo_wait_runtime_init_done(void); // runtime/cgo/gcc_libinit.c
extern void *_cgo_get_context_function(void);       // (it returns a function pointer)

// the C side of a task: straight back into Go
static void run_task(int i) { goTask(i); } // task: Go -> C -> Go

// n pairs of the calls every callback makes into gcc_libinit.c, alone (-selfcost)
static void init_done_calls(long n)
{
	for (long i = 0; i < n; i++) {
		_cgo_wait_runtime_init_done();
		_cgo_get_context_function();
	}
}
*/
import "C"

import (
	"flag"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

var (
	next, done int64
	sink       uint64
)

//export goTask
func goTask(i C.int) {
	atomic.AddUint64(&sink, uint64(i)) // the callback's body
}

// progress marks 1000 completed tasks: the progress point (--progress main.progress)
//
//go:noinline
func progress() {
	atomic.AddUint64(&sink, 1)
}

func worker(tasks int64, wg *sync.WaitGroup) {
	defer wg.Done()
	for {
		i := atomic.AddInt64(&next, 1)
		if i > tasks {
			return
		}
		C.run_task(C.int(i)) // Go -> C -> Go
		if atomic.AddInt64(&done, 1)%1000 == 0 {
			progress()
		}
	}
}

func main() {
	workers := flag.Int("workers", 8, "worker goroutines")
	tasks := flag.Int64("tasks", 1000000, "tasks in all (one Go -> C -> Go call each)")
	selfcost := flag.Int64("selfcost", 0, "instead: call _cgo_wait_runtime_init_done and _cgo_get_context_function this often in all")
	flag.Parse()
	var wg sync.WaitGroup
	start := time.Now()
	if *selfcost > 0 {
		for w := 0; w < *workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				C.init_done_calls(C.long(*selfcost / int64(*workers)))
			}()
		}
		wg.Wait()
		el := time.Since(start)
		// wall time per pair across the workers: what a callback's pair costs the program
		fmt.Printf("cgoinit: selfcost %d pairs of calls by %d workers in %.0f ms, %.1f ns per pair\n",
			*selfcost, *workers, float64(el.Microseconds())/1000,
			float64(el.Nanoseconds())/float64(*selfcost))
		return
	}
	for w := 0; w < *workers; w++ {
		wg.Add(1)
		go worker(*tasks, &wg)
	}
	wg.Wait()
	el := time.Since(start)
	fmt.Printf("cgoinit: %d tasks by %d workers in %.0f ms, %.0f tasks/s\n", atomic.LoadInt64(&done),
		*workers, float64(el.Microseconds())/1000, float64(atomic.LoadInt64(&done))/el.Seconds())
}
