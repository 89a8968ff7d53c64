/*
 * The progress line: a ticker thread redraws one stderr line while a long
 * stage runs.  It writes with write(2) in one call per redraw, so that a
 * line is never half on screen, and remembers whether something is drawn
 * in a sig_atomic_t, so that a signal handler can erase it.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "pushfix/progress.h"
#include "pushfix/util.h"

#define DELAY_MS 1000 /* quicker work shows nothing */
#define TICK_MS 100
#define ERASE "\r\033[K"

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

static struct {
	int allowed;  /* pf_progress_setup(1) and stderr a terminal */
	int running;  /* a ticker thread exists */
	int stopping; /* the ticker is told to end */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	char label[160];
	size_t total, done;
	double start;
	struct sigaction old[PF_ARRAY_SIZE(stop_signals)];
	int caught[PF_ARRAY_SIZE(stop_signals)];
	int atexit_done;
} p = { .lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER };

/* Something is on the line now: read by the signal handler. */
static volatile sig_atomic_t drawn;

static void erase_line(void)
{
	if (drawn) {
		ssize_t n = write(STDERR_FILENO, ERASE, sizeof(ERASE) - 1);

		(void)n;
		drawn = 0;
	}
}

static void on_stop_signal(int sig)
{
	int saved = errno;

	erase_line();
	/* What it would have done without us: usually, end the process. */
	for (size_t i = 0; i < PF_ARRAY_SIZE(stop_signals); i++)
		if (stop_signals[i] == sig && p.caught[i]) {
			sigaction(sig, &p.old[i], NULL);
			p.caught[i] = 0;
		}
	raise(sig);
	errno = saved;
}

static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < PF_ARRAY_SIZE(stop_signals); i++) {
		p.caught[i] = 0;
		if (sigaction(stop_signals[i], NULL, &p.old[i]) ||
		    p.old[i].sa_handler == SIG_IGN)
			continue;
		if (!sigaction(stop_signals[i], &sa, NULL))
			p.caught[i] = 1;
	}
}

static void release_signals(void)
{
	for (size_t i = 0; i < PF_ARRAY_SIZE(stop_signals); i++)
		if (p.caught[i]) {
			sigaction(stop_signals[i], &p.old[i], NULL);
			p.caught[i] = 0;
		}
}

static void at_exit(void)
{
	erase_line();
}

static int utf8_locale(void)
{
	const char *v = getenv("LC_ALL");

	if (!v || !*v)
		v = getenv("LC_CTYPE");
	if (!v || !*v)
		v = getenv("LANG");
	return v && (strstr(v, "UTF-8") || strstr(v, "utf8") ||
		     strstr(v, "UTF8") || strstr(v, "utf-8"));
}

/* Columns of the terminal, so that the line never wraps (a wrapped line
 * cannot be erased with "\r"). */
static size_t columns(void)
{
	struct winsize ws;

	if (!ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) && ws.ws_col > 10)
		return ws.ws_col;
	return 80;
}

/* Called with p.lock held. */
static void draw(double now)
{
	char line[256], tail[64];
	const char *dots = utf8_locale() ? "\xe2\x80\xa6" : "...";
	double secs = (now - p.start) / 1000.0;
	size_t cols = columns(), room, n;
	ssize_t w;

	if (p.total)
		snprintf(tail, sizeof(tail), " %zu/%zu, %.1f s", p.done,
			 p.total, secs);
	else
		snprintf(tail, sizeof(tail), " %.1f s", secs);
	/* "pushfix: " label dots tail, the label cut to fit the width. */
	room = cols - 1 > sizeof(line) - 1 ? sizeof(line) - 1 : cols - 1;
	n = strlen("pushfix: ") + 1 + strlen(tail); /* dots: one column */
	n = room > n ? room - n : 0;
	n = strlen(p.label) < n ? strlen(p.label) : n;
	snprintf(line, sizeof(line), ERASE "pushfix: %.*s%s%s", (int)n, p.label,
		 dots, tail);
	w = write(STDERR_FILENO, line, strlen(line));
	if (w > 0)
		drawn = 1;
}

static void *ticker(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&p.lock);
	while (!p.stopping) {
		struct timespec ts;
		double now;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += TICK_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&p.wake, &p.lock, &ts);
		if (p.stopping)
			break;
		now = pf_now_ms();
		if (now - p.start >= DELAY_MS)
			draw(now);
	}
	pthread_mutex_unlock(&p.lock);
	return NULL;
}

void pf_progress_setup(int enabled)
{
	const char *term = getenv("TERM");

	p.allowed = enabled && isatty(STDERR_FILENO) &&
		    !(term && !strcmp(term, "dumb"));
}

void pf_progress_begin(size_t total, const char *fmt, ...)
{
	sigset_t all, old;
	va_list ap;

	pf_progress_end();
	if (!p.allowed)
		return;
	pthread_mutex_lock(&p.lock);
	va_start(ap, fmt);
	vsnprintf(p.label, sizeof(p.label), fmt, ap);
	va_end(ap);
	/* A model or a path in the label: no control bytes on a terminal. */
	for (char *c = p.label; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = ' ';
	p.total = total;
	p.done = 0;
	p.start = pf_now_ms();
	p.stopping = 0;
	pthread_mutex_unlock(&p.lock);
	if (!p.atexit_done && !atexit(at_exit))
		p.atexit_done = 1;
	catch_signals();
	/* The signals go to the main thread (its handlers, pf_proc_run's
	 * waits), never to the ticker. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	p.running = !pthread_create(&p.thread, NULL, ticker, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!p.running)
		release_signals();
}

void pf_progress_set(size_t done)
{
	if (!p.running)
		return;
	pthread_mutex_lock(&p.lock);
	p.done = done;
	pthread_mutex_unlock(&p.lock);
}

void pf_progress_end(void)
{
	if (!p.running)
		return;
	pthread_mutex_lock(&p.lock);
	p.stopping = 1;
	pthread_cond_signal(&p.wake);
	pthread_mutex_unlock(&p.lock);
	pthread_join(p.thread, NULL);
	p.running = 0;
	erase_line();
	release_signals();
}
