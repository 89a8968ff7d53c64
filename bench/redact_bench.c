/*
 * Redaction throughput (issue 3): a generated ~10 MB source file dense
 * with secrets, e-mails, hosts, IPs and names, redacted with one vault,
 * beside a plain memcpy of the same bytes in the same run, then ~10 MB
 * of plain code with nothing to redact.  Prints the median run (and the
 * best) in CPU time; never fails on time.  Built and run by
 * bench/redact.sh.
 *
 *   redact_bench [MB] [reps] [dense|plain]
 *
 * The third argument runs one half only (for callgrind: instructions per
 * byte are steady where wall time on a shared machine is not).
 *
 *   redact_bench --files REPS FILE...
 *
 * redacts the FILEs joined (real code: bench/redact.sh gives this
 * project's own), with the bench's context and this project's remote, so
 * that names of the repository inside identifiers are looked at too (the
 * generated inputs have none).
 *
 *   redact_bench --tiny [AUTHORS]
 *
 * redacts one text of about 100 bytes once with the bench's context (and
 * AUTHORS authors, not 200): what a hook pays to start the redactor (its
 * tables, the rules, the names), for callgrind's count of the whole
 * process.
 *
 *   redact_bench --diff OUT FILE...
 *
 * writes to OUT what the library makes of each FILE, of the generated
 * dense and plain inputs: redacted with the bench's context, without
 * one, and the secrets found, so that two builds of the library can be
 * compared byte for byte (bench/redact-diff.sh).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pushfix/buf.h"
#include "pushfix/err.h"
#include "pushfix/redact.h"
#include "pushfix/util.h"

static unsigned long long rng = 0x9E3779B97F4A7C15ULL;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static void rand_chars(struct pf_buf *b, const char *set, size_t n)
{
	size_t m = strlen(set);

	for (size_t i = 0; i < n; i++)
		pf_buf_addch(b, set[rnd((unsigned)m)]);
}

/* CPU time of this process in ms: the machine may be shared, and wall
 * time then measures the neighbours. */
static double cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

#define ALNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
#define UPNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
#define HEX "0123456789abcdef"
#define B64 ALNUM "+/"

/* One block of ~40 lines in several languages; about 1 in 4 lines holds
 * something to redact. */
static void gen_block(struct pf_buf *b, unsigned k)
{
	pf_buf_addf(b,
		    "# block %u, maintained by Maria Gonzalez "
		    "<maria.gonzalez%u@northwind-logistics.com>\n",
		    k, k % 50);
	pf_buf_addstr(b, "import os\nimport logging\n\n");
	pf_buf_addstr(b, "AWS_ACCESS_KEY_ID = \"AKIA");
	rand_chars(b, UPNUM, 16);
	pf_buf_addstr(b, "\"\naws_secret_access_key = '");
	rand_chars(b, B64, 40);
	pf_buf_addstr(b, "'\n");
	pf_buf_addf(b, "def handler_%u(event, context):\n", k);
	pf_buf_addstr(b, "    user = event.get(\"user\")\n");
	pf_buf_addstr(b, "    query = \"SELECT * FROM users WHERE id = \" + "
			 "user\n");
	pf_buf_addstr(b, "    logging.info(\"running %s\", query)\n");
	pf_buf_addstr(b, "    token = \"ghp_");
	rand_chars(b, ALNUM, 36);
	pf_buf_addstr(b, "\"\n    return cursor.execute(query)\n\n");
	pf_buf_addstr(b, "const express = require('express');\n");
	pf_buf_addstr(b, "const app = express();\n");
	pf_buf_addf(b,
		    "const DB = 'postgres://svc:%c%c%c%cPw@db%u.internal."
		    "northwind.io:5432/routes';\n",
		    'a' + rnd(26), 'a' + rnd(26), 'A' + rnd(26), '0' + rnd(10),
		    k % 7);
	pf_buf_addf(b,
		    "app.get('/api/v1/orders/:id', (req, res) => {\n"
		    "  res.send(req.params.id); // %u.%u.%u.%u\n});\n",
		    10 + rnd(200), rnd(255), rnd(255), 1 + rnd(254));
	pf_buf_addstr(b, "const stripe = require('stripe')('sk_live_");
	rand_chars(b, ALNUM, 24);
	pf_buf_addstr(b, "');\n\nfunc main() {\n");
	pf_buf_addstr(b, "\tapiKey := \"");
	rand_chars(b, HEX, 32);
	pf_buf_addstr(b, "\"\n\thttp.HandleFunc(\"/\", handler)\n"
			 "\tlog.Fatal(http.ListenAndServe(\":8080\", nil))\n"
			 "}\n\n");
	pf_buf_addstr(b, "public class RoutePlanner {\n"
			 "    private static final String PASSWORD = \"");
	rand_chars(b, ALNUM, 12);
	pf_buf_addstr(b, "\";\n    public int add(int a, int b) { return a + "
			 "b; }\n}\n\n");
	pf_buf_addstr(b, "SLACK_WEBHOOK=https://hooks.slack.com/services/T");
	rand_chars(b, UPNUM, 8);
	pf_buf_addstr(b, "/B");
	rand_chars(b, UPNUM, 8);
	pf_buf_addch(b, '/');
	rand_chars(b, ALNUM, 24);
	pf_buf_addstr(b, "\nOPENAI_API_KEY=sk-proj-");
	rand_chars(b, ALNUM, 48);
	pf_buf_addstr(b, "\nDEBUG=false\nPORT=8080\n\n");
	pf_buf_addstr(b, "for (int i = 0; i < n; i++) {\n"
			 "\tmemcpy(dst + i * size, src, size);\n"
			 "\tif (check(dst[i]) != 0)\n\t\treturn -1;\n}\n"
			 "/* nothing to see here: plain code, comments and "
			 "text that must go through fast. */\n\n");
}

/* Ordinary code, nothing to redact: the usual case of a push. */
static void gen_plain(struct pf_buf *b, unsigned k)
{
	pf_buf_addf(b, "def handler_%u(event, context):\n", k);
	pf_buf_addstr(b, "    user = event.get(\"user\")\n"
			 "    query = \"SELECT * FROM users WHERE id = %s\"\n"
			 "    logging.info(\"running %s\", query)\n"
			 "    return cursor.execute(query, (user,))\n\n"
			 "const express = require('express');\n"
			 "app.get('/api/v1/orders/:id', (req, res) => {\n"
			 "  res.send(escape(req.params.id));\n});\n"
			 "func main() {\n\thttp.HandleFunc(\"/\", handler)\n"
			 "\tlog.Fatal(http.ListenAndServe(\":8080\", nil))\n}\n"
			 "public int add(int a, int b) { return a + b; }\n"
			 "for (int i = 0; i < n; i++) {\n"
			 "\tmemcpy(dst + i * size, src, size);\n"
			 "\tif (check(dst[i]) != 0)\n\t\treturn -1;\n}\n"
			 "/* plain code, comments and text. */\n\n");
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of the n times in ms (sorts them). */
static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* MB/s of the median run of `reps` redactions of src; *best_mbs of the
 * fastest. */
static double redact_mbs(struct pf_redact_ctx *ctx, const struct pf_buf *src,
			 int reps, size_t *values, double *best_mbs)
{
	struct pf_buf out = PF_BUF_INIT;
	double best = 1e30, *ms = pf_xcalloc((size_t)reps, sizeof(*ms));
	double mb = (double)src->len / (1024.0 * 1024.0), med;

	for (int r = 0; r < reps; r++) {
		struct pf_vault v;
		double t0;

		pf_vault_init(&v, NULL);
		pf_buf_reset(&out);
		t0 = cpu_ms();
		if (pf_redact_text(&out, &v, ctx, src->buf, src->len)) {
			fprintf(stderr, "error: %s\n", pf_error_last());
			exit(1);
		}
		t0 = cpu_ms() - t0;
		if (t0 < best)
			best = t0;
		ms[r] = t0;
		*values = v.nr;
		pf_vault_release(&v);
	}
	pf_buf_release(&out);
	med = median(ms, reps);
	free(ms);
	*best_mbs = mb / (best / 1000.0);
	return mb / (med / 1000.0);
}

/* The authors of bench_ctx() (--tiny may ask for more). */
static unsigned bench_authors = 200;

/* The bench's context: a person, 200 authors, an organisation. */
static void bench_ctx(struct pf_redact_ctx *ctx)
{
	pf_redact_ctx_init(ctx);
	pf_redact_ctx_allow_hosts(ctx, "github.com,pypi.org");
	pf_redact_ctx_add_remote_url(
		ctx, "git@github.com:northwind-logistics/route-planner.git");
	pf_redact_ctx_add_word(ctx, PF_CAT_PERSON, "Maria Gonzalez");
	for (unsigned i = 0; i < bench_authors; i++) {
		char name[64];

		snprintf(name, sizeof(name), "Author%c%c%c Surname%u",
			 'a' + i % 26, 'a' + i / 26 % 26, 'q', i);
		pf_redact_ctx_add_word(ctx, PF_CAT_PERSON, name);
	}
}

/* One text's redactions (with ctx, without) and secrets into f. */
static int diff_one(FILE *f, struct pf_redact_ctx *ctx, const char *name,
		    const char *t, size_t n)
{
	struct pf_buf out = PF_BUF_INIT;
	struct pf_secret_hit *hits;
	size_t nr;

	for (int c = 0; c < 2; c++) {
		struct pf_vault v;

		pf_vault_init(&v, NULL);
		pf_buf_reset(&out);
		if (pf_redact_text(&out, &v, c ? NULL : ctx, t, n))
			fprintf(f, "== %s ctx=%d error: %s\n", name, !c,
				pf_error_last());
		else
			fprintf(f, "== %s ctx=%d %zu values\n", name, !c, v.nr);
		fwrite(out.buf, 1, out.len, f);
		pf_vault_release(&v);
	}
	pf_buf_release(&out);
	if (pf_redact_find_secrets(&hits, &nr, t, n)) {
		fprintf(f, "== %s secrets error: %s\n", name, pf_error_last());
		return 0;
	}
	fprintf(f, "== %s secrets %zu\n", name, nr);
	for (size_t k = 0; k < nr; k++)
		fprintf(f, "%zu %zu %s %d\n", hits[k].start, hits[k].end,
			hits[k].kind, hits[k].known);
	free(hits);
	return 0;
}

/* FILEs joined into b; 0, or 1 when one cannot be read. */
static int read_files(struct pf_buf *b, int argc, char **argv, int from)
{
	for (int i = from; i < argc; i++) {
		FILE *in = fopen(argv[i], "rb");
		char chunk[65536];
		size_t got;

		if (!in) {
			perror(argv[i]);
			return 1;
		}
		while ((got = fread(chunk, 1, sizeof(chunk), in)))
			pf_buf_add(b, chunk, got);
		fclose(in);
	}
	return 0;
}

static int files_main(int argc, char **argv)
{
	struct pf_redact_ctx ctx;
	struct pf_buf b = PF_BUF_INIT;
	int reps = (int)strtol(argv[2], NULL, 10);
	size_t values = 0;
	double mbs, best_mbs;

	if (read_files(&b, argc, argv, 3))
		return 1;
	bench_ctx(&ctx);
	pf_redact_ctx_add_remote_url(&ctx,
				     "https://github.com/pushfix/pushfix.git");
	mbs = redact_mbs(&ctx, &b, reps < 1 ? 1 : reps, &values, &best_mbs);
	printf("real code:    %10.1f MB/s  median (best %.1f; %.2f MB of %d "
	       "files, %zu values redacted)\n",
	       mbs, best_mbs, (double)b.len / (1024.0 * 1024.0), argc - 3,
	       values);
	pf_buf_release(&b);
	pf_redact_ctx_release(&ctx);
	return 0;
}

static int tiny_main(void)
{
	static const char text[] =
		"static int parse(const char *s)\n{\n\t/* Maria Gonzalez */\n"
		"\treturn s && *s == '{' ? route_planner(s) : -1;\n}\n";
	struct pf_redact_ctx ctx;
	struct pf_vault v;
	struct pf_buf out = PF_BUF_INIT;
	int rc;

	bench_ctx(&ctx);
	pf_vault_init(&v, NULL);
	rc = pf_redact_text(&out, &v, &ctx, text, sizeof(text) - 1);
	if (rc)
		fprintf(stderr, "error: %s\n", pf_error_last());
	else
		printf("%s", out.buf);
	pf_buf_release(&out);
	pf_vault_release(&v);
	pf_redact_ctx_release(&ctx);
	return rc ? 1 : 0;
}

static int diff_main(int argc, char **argv)
{
	struct pf_redact_ctx ctx;
	struct pf_buf b = PF_BUF_INIT;
	FILE *f = fopen(argv[2], "w");
	unsigned k = 0;

	if (!f) {
		perror(argv[2]);
		return 1;
	}
	bench_ctx(&ctx);
	pf_redact_ctx_add_remote_url(&ctx,
				     "https://github.com/DaveGamble/cJSON.git");
	pf_redact_ctx_add_word(&ctx, PF_CAT_PERSON, "Dave Gamble");
	pf_redact_ctx_add_word(&ctx, PF_CAT_PERSON, "Max Bruckner");
	for (int i = 3; i < argc; i++) {
		pf_buf_reset(&b);
		if (read_files(&b, i + 1, argv, i))
			return 1;
		diff_one(f, &ctx, argv[i], b.buf, b.len);
	}
	pf_buf_reset(&b);
	while (b.len < 2 * 1024 * 1024)
		gen_block(&b, k++);
	diff_one(f, &ctx, "(dense)", b.buf, b.len);
	pf_buf_reset(&b);
	for (k = 0; b.len < 1024 * 1024; k++)
		gen_plain(&b, k);
	diff_one(f, &ctx, "(plain)", b.buf, b.len);
	pf_buf_release(&b);
	pf_redact_ctx_release(&ctx);
	return fclose(f) ? 1 : 0;
}

int main(int argc, char **argv)
{
	double mb = argc > 1 ? atof(argv[1]) : 10.0;
	int reps = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 3;
	const char *only = argc > 3 ? argv[3] : "";

	struct pf_buf src = PF_BUF_INIT, out = PF_BUF_INIT;
	struct pf_redact_ctx ctx;
	char *copy;
	double best_copy = 1e30, best_red = 1e30, t0, w0;
	double wall_copy = 1e30, wall_red = 1e30, med_red, *red_ms;
	size_t placeholders = 0;
	unsigned k = 0;

	if (argc > 1 && !strcmp(argv[1], "--tiny")) {
		if (argc > 2)
			bench_authors = (unsigned)strtoul(argv[2], NULL, 10);
		return tiny_main();
	}
	if (argc > 2 && !strcmp(argv[1], "--diff"))
		return diff_main(argc, argv);
	if (argc > 2 && !strcmp(argv[1], "--files"))
		return files_main(argc, argv);
	if (reps < 1)
		reps = 1;
	while (src.len < (size_t)(mb * 1024 * 1024))
		gen_block(&src, k++);
	copy = pf_xmalloc(src.len);
	red_ms = pf_xcalloc((size_t)(reps > 0 ? reps : 1), sizeof(*red_ms));
	bench_ctx(&ctx);
	for (int r = 0; r < reps && strcmp(only, "plain"); r++) {
		struct pf_vault v;

		/* fault the destination in first: measure copying only */
		memset(copy, r, src.len);
		w0 = pf_now_ms();
		t0 = cpu_ms();
		memcpy(copy, src.buf, src.len);
		t0 = cpu_ms() - t0;
		w0 = pf_now_ms() - w0;
		if (t0 < best_copy)
			best_copy = t0;
		if (w0 < wall_copy)
			wall_copy = w0;
		/* keep the copy alive */
		if (copy[src.len / 2] != src.buf[src.len / 2])
			return 1;
		pf_vault_init(&v, NULL);
		pf_buf_reset(&out);
		w0 = pf_now_ms();
		t0 = cpu_ms();
		if (pf_redact_text(&out, &v, &ctx, src.buf, src.len)) {
			fprintf(stderr, "error: %s\n", pf_error_last());
			return 1;
		}
		t0 = cpu_ms() - t0;
		w0 = pf_now_ms() - w0;
		if (t0 < best_red)
			best_red = t0;
		red_ms[r] = t0;
		if (w0 < wall_red)
			wall_red = w0;
		placeholders = v.nr;
		pf_vault_release(&v);
	}
	if (strcmp(only, "plain")) {
		double size_mb = (double)src.len / (1024.0 * 1024.0);
		double copy_s = best_copy / 1000.0, red_s;

		med_red = median(red_ms, reps);
		red_s = med_red / 1000.0;

		if (copy_s <= 0)
			copy_s = 1e-6;
		printf("input:        %.2f MB, %u blocks, %zu distinct values "
		       "redacted\n",
		       size_mb, k, placeholders);
		printf("classifier:   %s\n", pf_redact_classifier());
		printf("memcpy:       %10.1f MB/s  (%.3f ms CPU, %.3f ms "
		       "wall)\n",
		       size_mb / copy_s, best_copy, wall_copy);
		printf("redact:       %10.1f MB/s  median (best %.1f; %.1f ms "
		       "CPU, %.1f ms wall, %d runs)\n",
		       size_mb / red_s, size_mb / (best_red / 1000.0), med_red,
		       wall_red, reps);
		printf("redact wall:  %10.1f MB/s\n",
		       size_mb / (wall_red / 1000.0));
		printf("ratio:        redact is %.0fx slower than memcpy\n",
		       red_s / copy_s);
		printf("goal:         >= 100 MB/s: %s\n",
		       size_mb / red_s >= 100 ? "met" : "NOT met");
	}
	if (strcmp(only, "dense")) {
		struct pf_buf plain = PF_BUF_INIT;
		size_t values = 0;
		unsigned j = 0;
		double mbs, best_mbs;

		while (plain.len < src.len)
			gen_plain(&plain, j++);
		mbs = redact_mbs(&ctx, &plain, reps, &values, &best_mbs);
		printf("plain code:   %10.1f MB/s  median (best %.1f; %.2f MB "
		       "with nothing secret, %zu values redacted)\n",
		       mbs, best_mbs, (double)plain.len / (1024.0 * 1024.0),
		       values);
		printf("goal:         >= 400 MB/s: %s\n",
		       mbs >= 400 ? "met" : "NOT met");
		pf_buf_release(&plain);
	}
	free(copy);
	free(red_ms);
	pf_buf_release(&src);
	pf_buf_release(&out);
	pf_redact_ctx_release(&ctx);
	return 0;
}
