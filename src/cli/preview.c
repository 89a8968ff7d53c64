/*
 * `pushfix preview`: the exact request bodies a push would send to the
 * LLM, as JSON; sends nothing.  --stats: how much of the code each body
 * holds was changed by the anonymisation, and what kinds of value.
 */
#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#include "cli.h"
#include "cmd.h"
#include "pushfix/err.h"
#include "pushfix/pipeline.h"
#include "pushfix/redact.h"
#include "pushfix/triage.h"

struct fidelity {
	size_t lines, chars, tokens; /* of the code shown */
	size_t ph_chars, ph_tokens;  /* of it, placeholders */
	unsigned kinds[PF_CAT__NR];  /* placeholders anywhere */
};

static int word_byte(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || ((unsigned char)c & 0x80);
}

/* The length of a placeholder PF_<CAT>_<n> at s, and its category. */
static size_t placeholder_at(const char *s, size_t n, int *cat)
{
	for (int c = 0; c < PF_CAT__NR; c++) {
		const char *name = pf_vault_cat_name((enum pf_vault_cat)c);
		size_t l = strlen(name), e = 3 + l;

		if (n < e + 2 || strncmp(s, "PF_", 3) ||
		    strncmp(s + 3, name, l) || s[e] != '_' || s[e + 1] < '0' ||
		    s[e + 1] > '9')
			continue;
		for (e++; e < n && s[e] >= '0' && s[e] <= '9'; e++)
			;
		*cat = c;
		return e;
	}
	return 0;
}

/* Placeholders by kind in s; with code set, also the tokens (a run of
 * word bytes, or one other non-blank byte) and those that were changed. */
static void count_text(struct fidelity *f, const char *s, size_t n, int code)
{
	size_t i = 0;

	while (i < n) {
		size_t e = i + 1, ph = 0;
		int cat, changed = 0;

		if (s[i] == ' ' || s[i] == '\t') {
			i++;
			continue;
		}
		if (word_byte(s[i]))
			while (e < n && word_byte(s[e]))
				e++;
		for (size_t k = i; k < e; k++) {
			size_t l = placeholder_at(s + k, e - k, &cat);

			if (l) {
				f->kinds[cat]++;
				ph += l;
				changed = 1;
				k += l - 1;
			}
		}
		if (code) {
			f->tokens++;
			f->ph_tokens += changed;
			f->ph_chars += ph;
		}
		i = e;
	}
	if (code)
		f->chars += n;
}

/* The code between <<<CODE tag>>> and <<<END tag>>>: "  12 | text"
 * lines, of which the text counts. */
static void count_content(struct fidelity *f, const char *s)
{
	int in_code = 0;

	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);
		const char *bar = memchr(s, '|', n);

		if (!strncmp(s, "<<<CODE ", 8)) {
			in_code = 1;
		} else if (!strncmp(s, "<<<END ", 7)) {
			in_code = 0;
		} else if (in_code && bar && bar + 1 < s + n) {
			size_t skip = (size_t)(bar + 2 - s);

			f->lines++;
			count_text(f, bar + 2, n > skip ? n - skip : 0, 1);
		} else {
			count_text(f, s, n, 0);
		}
		s += n + (nl ? 1 : 0);
	}
}

/* Every string of a request body (messages, system). */
static void count_json(struct fidelity *f, const cJSON *j)
{
	const cJSON *c;

	if (cJSON_IsString(j) && j->valuestring)
		count_content(f, j->valuestring);
	cJSON_ArrayForEach (c, j)
		count_json(f, c);
}

static double pct(size_t a, size_t b)
{
	return b ? 100.0 * (double)a / (double)b : 0.0;
}

static void print_fidelity(const struct fidelity *f)
{
	int any = 0;

	printf("code %zu lines, %zu chars, %zu tokens; changed %zu chars "
	       "(%.1f%%) in %zu tokens (%.1f%%); replaced:",
	       f->lines, f->chars, f->tokens, f->ph_chars,
	       pct(f->ph_chars, f->chars), f->ph_tokens,
	       pct(f->ph_tokens, f->tokens));
	for (int c = 0; c < PF_CAT__NR; c++)
		if (f->kinds[c]) {
			printf("%s %s %u", any ? "," : "",
			       pf_vault_cat_name((enum pf_vault_cat)c),
			       f->kinds[c]);
			any = 1;
		}
	printf("%s\n", any ? "" : " nothing");
}

/* `preview --stats`: one line per request of the JSON in out, then the
 * total. */
static int print_stats(const struct pf_buf *out)
{
	cJSON *all = cJSON_ParseWithLength(out->buf, out->len);
	const cJSON *r;
	struct fidelity total;
	size_t n = 0;

	if (!all)
		return pf_error_set("preview: cannot read the request bodies");
	memset(&total, 0, sizeof(total));
	cJSON_ArrayForEach (r, all) {
		struct fidelity f;

		const cJSON *body = cJSON_GetObjectItemCaseSensitive(r, "body");
		const cJSON *m;

		memset(&f, 0, sizeof(f));
		/* what the user message says: the system prompt is ours */
		cJSON_ArrayForEach (
			m, cJSON_GetObjectItemCaseSensitive(body, "messages")) {
			const cJSON *role =
				cJSON_GetObjectItemCaseSensitive(m, "role");

			if (cJSON_IsString(role) &&
			    !strcmp(role->valuestring, "user"))
				count_json(&f, cJSON_GetObjectItemCaseSensitive(
						       m, "content"));
		}
		printf("request %zu: ", ++n);
		print_fidelity(&f);
		total.lines += f.lines;
		total.chars += f.chars;
		total.tokens += f.tokens;
		total.ph_chars += f.ph_chars;
		total.ph_tokens += f.ph_tokens;
		for (int c = 0; c < PF_CAT__NR; c++)
			total.kinds[c] += f.kinds[c];
	}
	if (n) {
		printf("total (%zu requests): ", n);
		print_fidelity(&total);
	}
	cJSON_Delete(all);
	return 0;
}

int cmd_preview(int argc, const char **argv)
{
	struct pf_run run;
	struct pf_buf out = PF_BUF_INIT;
	struct cli_range r = { NULL, 0, 0 };
	int verbose = 0, no_cache = 0, stats = 0, n, ret;
	const struct cli_option options[] = {
		CLI_OPT_STAGED(&r),
		CLI_OPT_BOOL(0, "no-cache", &no_cache,
			     "show the requests the cache would answer too"),
		CLI_OPT_BOOL('v', "verbose", &verbose,
			     "say what was skipped and what the scanner said"),
		CLI_OPT_BOOL(0, "stats", &stats,
			     "per request, how much of the code the "
			     "anonymisation changed, and what"),
		CLI_OPT_END,
	};
	const struct cli_command cmd = {
		.name = "preview",
		.synopsis = "[<range> | --staged] [--no-cache] [--stats] [-v]",
		.about = "Prints, as JSON, the exact request bodies a push of "
			 "<range> would send to\n"
			 "the LLM (default: what `git push` would send now); "
			 "sends nothing.\n"
			 "--stats prints instead, per request, the characters "
			 "and tokens of the code\n"
			 "that placeholders replaced and the kinds of value "
			 "replaced.\n",
		.options = options,
		.max_args = 1,
	};

	n = cli_parse_range(&cmd, argc, argv, &r, 0);
	if (n < 0)
		return cli_exit(n);
	ret = cli_run_open(&run, verbose, no_cache);
	if (ret)
		goto fail;
	ret = cli_range_changes(&run, &r);
	if (!ret && run.cs.nr)
		ret = pf_run_scan(&run);
	if (!ret)
		ret = pf_triage_run(&run, 0, &out);
	if (ret)
		goto fail;
	if (!out.len)
		pf_buf_addstr(&out, "[]\n");
	if (stats) {
		if (print_stats(&out))
			goto fail;
	} else {
		fwrite(out.buf, 1, out.len, stdout);
	}
	if (!strcmp(out.buf, "[]\n"))
		fprintf(stderr, "pushfix: nothing would be sent (%s)\n",
			!run.findings.nr ? "no findings"
			: !run.cfg.llm.provider ||
					!strcmp(run.cfg.llm.provider, "none")
				? "[llm] provider = none"
				: "every finding is ignored");
	pf_buf_release(&out);
	pf_run_release(&run);
	return 0;
fail:
	fprintf(stderr, "error: %s\n", pf_error_last());
	pf_buf_release(&out);
	pf_run_release(&run);
	return 2;
}
