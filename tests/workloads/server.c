// SPDX-License-Identifier: MIT
/*
 * Known-answer workload 5: a pre-forking server and its load generator, in one program. The
 * parent listens on a Unix stream socket, forks WORKERS server processes that accept() one
 * connection per request, read it, handle it (line S, 1 unit of CPU) and answer, and forks one
 * client process whose CLIENTS threads each send requests in a closed loop: build the request
 * (line G, 0.1 unit), connect, send, wait for the answer. The server counts a progress point
 * "served" per request; the client brackets each request with the latency point "request"
 * (libcausal's counters are shared memory, so all processes count into the same points).
 * On 2 CPUs the whole system is CPU-bound and line S is most of the CPU each request needs, so
 * speeding S up by s speeds the program up by about s x (S's share of a request's CPU time,
 * below 1 because of line G and the socket calls); line G gains about s x its (small) share.
 * Built with -DOPTIMIZED, line S does 2/3 of its work (33 % faster).
 *
 *   server [REQUESTS [S_ITERS [WORKERS [CLIENTS]]]]   defaults: 1500, 150000, 2, 4
 */
#include <signal.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "workload.h"

static struct sockaddr_un addr;
static socklen_t addr_len;
static uint64_t requests, s_iters, g_iters, per_client;
static volatile uint64_t sink;
static struct wl_line *line_s;	/* shared by the worker processes */

static uint64_t __attribute__((noinline)) handle(uint64_t x, uint64_t n)
{
	WL_LCG(x, n, 6364136223846793005ULL, 1442695040888963407ULL); /* line S */
	return x;
}

static uint64_t __attribute__((noinline)) build_request(uint64_t x, uint64_t n)
{
	WL_LCG(x, n, 2862933555777941757ULL, 3037000493ULL); /* line G */
	return x;
}

static int full_io(int fd, void *buf, size_t n, int out)
{
	char *p = buf;

	while (n) {
		ssize_t r = out ? write(fd, p, n) : read(fd, p, n);

		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static void serve(int lfd)
{
	uint64_t req, ans;
	int fd;

	for (;;) {
		fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			continue;
		if (full_io(fd, &req, sizeof(req), 0) == 0) {
			WL_TIME(line_s, s_iters, ans = handle(req, s_iters));
			CAUSAL_PROGRESS_NAMED("served");
			full_io(fd, &ans, sizeof(ans), 1);
		}
		close(fd);
	}
}

static void *client(void *arg)
{
	uint64_t req = (uintptr_t)arg, ans;
	int fd;

	for (uint64_t i = 0; i < per_client; i++) {
		CAUSAL_BEGIN("request");
		req = build_request(req + i, g_iters);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&addr, addr_len) ||
		    full_io(fd, &req, sizeof(req), 1) || full_io(fd, &ans, sizeof(ans), 0)) {
			perror("server: client");
			exit(1);
		}
		close(fd);
		CAUSAL_END("request");
		sink += ans;
	}
	return NULL;
}

static int run_clients(unsigned int clients)
{
	pthread_t t[64];

	for (unsigned int i = 0; i < clients; i++)
		if (pthread_create(&t[i], NULL, client, (void *)(uintptr_t)(i + 1)))
			return 1;
	for (unsigned int i = 0; i < clients; i++)
		pthread_join(t[i], NULL);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int workers, clients;
	pid_t pids[16], cpid;
	int lfd, st = 1;

	requests = argc > 1 ? strtoull(argv[1], NULL, 0) : 1500;
	s_iters = argc > 2 ? strtoull(argv[2], NULL, 0) : 150000;
	workers = argc > 3 ? (unsigned int)strtoul(argv[3], NULL, 0) : 2;
	clients = argc > 4 ? (unsigned int)strtoul(argv[4], NULL, 0) : 4;
	if (!workers || workers > 16 || !clients || clients > 64)
		return 2;
	g_iters = s_iters / 10;
	per_client = (requests + clients - 1) / clients;
#ifdef OPTIMIZED
	s_iters = s_iters * 2 / 3;
#endif
	line_s = wl_line_shared();
	if (!line_s)
		return 1;
	/* an abstract socket: nothing to clean up, unique per parent */
	addr.sun_family = AF_UNIX;
	snprintf(addr.sun_path + 1, sizeof(addr.sun_path) - 1, "causal-wl-server-%d", (int)getpid());
	addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(addr.sun_path + 1));
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, addr_len) || listen(lfd, 128)) {
		perror("server: listen");
		return 1;
	}
	wl_start();
	for (unsigned int i = 0; i < workers; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			return 1;
		if (pids[i] == 0) {
			serve(lfd);
			_exit(0);
		}
	}
	cpid = fork();
	if (cpid == 0)
		_exit(run_clients(clients));
	if (cpid < 0 || waitpid(cpid, &st, 0) < 0)
		st = 1;
	for (unsigned int i = 0; i < workers; i++)
		kill(pids[i], SIGTERM);
	for (unsigned int i = 0; i < workers; i++)
		waitpid(pids[i], NULL, 0);
	printf("server: %llu requests, %u workers, %u clients\n", (unsigned long long)(per_client * clients),
	       workers, clients);
	wl_report("server", "S", line_s);
	return !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}
