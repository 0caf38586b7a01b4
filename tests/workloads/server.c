// SPDX-License-Identifier: MIT
/*
 * Known-answer workload 5: a pre-forking server and its load generator, in one program. The
 * parent binds a Unix datagram socket and forks WORKERS server processes that all wait on it:
 * each takes one request at a time (recvfrom), handles it (line S, 1 unit of CPU) and answers
 * the sender's address. It forks one client process whose CLIENTS threads each send requests in
 * a closed loop over their own socket: build the request (line G, 0.1 unit), send, wait for the
 * answer. The server counts a progress point "served" per request; the client brackets each
 * request with the latency point "request" (libcausal's counters are shared memory, so all
 * processes count into the same points).
 * On 2 CPUs the whole system is CPU-bound, so speeding S up by s speeds the program up by about
 * s x (S's share of the CPU time a request needs, below 1 because of line G and the socket
 * calls); line G gains about s x its (small) share.
 * Datagrams, not a connection per request: under emulation socket(), connect(), accept() and
 * close() cost so much that the kernel took 70 % of the CPU (natively 4-7 %), and the optimized
 * variant saved kernel time too, outside line S (tests/workloads/README.md).
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

static void serve(int sfd)
{
	struct sockaddr_un from;
	socklen_t from_len;
	uint64_t req, ans;

	for (;;) {
		from_len = sizeof(from);
		if (recvfrom(sfd, &req, sizeof(req), 0, (struct sockaddr *)&from, &from_len) !=
		    sizeof(req))
			continue;
		WL_TIME(line_s, s_iters, ans = handle(req, s_iters));
		CAUSAL_PROGRESS_NAMED("served");
		sendto(sfd, &ans, sizeof(ans), 0, (struct sockaddr *)&from, from_len);
	}
}

static void *client(void *arg)
{
	uint64_t req = (uintptr_t)arg, ans;
	sa_family_t autobind = AF_UNIX;
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	/* an address of its own (autobound, abstract) for the answers */
	if (fd < 0 || bind(fd, (struct sockaddr *)&autobind, sizeof(autobind)) ||
	    connect(fd, (struct sockaddr *)&addr, addr_len)) {
		perror("server: client");
		exit(1);
	}
	for (uint64_t i = 0; i < per_client; i++) {
		CAUSAL_BEGIN("request");
		req = build_request(req + i, g_iters);
		if (send(fd, &req, sizeof(req), 0) != sizeof(req) ||
		    recv(fd, &ans, sizeof(ans), 0) != sizeof(ans)) {
			perror("server: client");
			exit(1);
		}
		CAUSAL_END("request");
		sink += ans;
	}
	close(fd);
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
	int sfd, st = 1;

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
	sfd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (sfd < 0 || bind(sfd, (struct sockaddr *)&addr, addr_len)) {
		perror("server: bind");
		return 1;
	}
	wl_start();
	for (unsigned int i = 0; i < workers; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			return 1;
		if (pids[i] == 0) {
			serve(sfd);
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
