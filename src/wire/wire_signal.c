/* wire_signal.c - waiting for SIGINT/SIGTERM in a threaded process. */
#define _GNU_SOURCE   /* ppoll */
#include "wire/wire.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <time.h>

static volatile sig_atomic_t g_signalled;

static void on_signal(int sig)
{
	(void)sig;
	g_signalled = 1;
}

void wire_signal_catch(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

void wire_wait_for_signal(void)
{
	struct sigaction sa = { .sa_handler = on_signal }, dfl = { .sa_handler = SIG_DFL };
	sigset_t block, old;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	/* g_signalled is not cleared here: a signal caught since
	 * wire_signal_catch() ends the wait at once */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigset_t waitmask = old;
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGTERM);
	/* ppoll unblocks the signals atomically; the timeout covers a signal
	 * delivered to another thread that does not block it */
	while (!g_signalled) {
		struct timespec ts = { 0, 200 * 1000 * 1000 };
		ppoll(NULL, 0, &ts, &waitmask);
	}
	sigaction(SIGINT, &dfl, NULL);
	sigaction(SIGTERM, &dfl, NULL);
	g_signalled = 0;   /* the next wait (another server in this process) starts afresh */
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}
