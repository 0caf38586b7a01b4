/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Writing Coz-compatible profiles: JSON Lines (default) or Coz's legacy tab-separated records. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "causalctl.h"
#include "json.h"

struct profile_writer {
	FILE *f;
	bool own;		/* opened by us, so closed by us */
	enum profile_format fmt;
	int error;		/* first write error, as a positive errno */
	json_t *rec;		/* JSON Lines: the record being made (jansson writes it whole) */
	bool oom;		/* a field of it could not be made */
};

static struct profile_writer *writer_new(FILE *f, bool own, enum profile_format fmt)
{
	struct profile_writer *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->f = f;
	w->own = own;
	w->fmt = fmt;
	return w;
}

struct profile_writer *profile_writer_open(const char *path, enum profile_format fmt, char *err, size_t errlen)
{
	struct profile_writer *w;
	FILE *f = fopen(path, "ae");

	if (!f) {
		snprintf(err, errlen, "cannot open the profile %s for writing: %s", path, strerror(errno));
		return NULL;
	}
	w = writer_new(f, true, fmt);
	if (!w) {
		snprintf(err, errlen, "cannot write the profile %s: %s", path, strerror(ENOMEM));
		fclose(f);
	}
	return w;
}

struct profile_writer *profile_writer_stream(FILE *f, enum profile_format fmt)
{
	return writer_new(f, false, fmt);
}

static void note_error(struct profile_writer *w)
{
	if (!w->error && ferror(w->f))
		w->error = errno ? errno : EIO;
}

/*
 * Legacy records have no quoting: a tab or newline inside a value would split the record, so
 * such bytes become spaces (paths and command lines with them are rare, and the record stays
 * readable by Coz's viewer).
 */
static void legacy_value(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s, f);
}

/* A field of the JSON record being made (v is stolen; NULL: out of memory, the record is lost). */
static void field_json(struct profile_writer *w, const char *key, json_t *v)
{
	if (!w->rec || json_object_set_new(w->rec, key, v))
		w->oom = true;
}

/* One "key":value or key=value field, in the record's order. */
static void field_str(struct profile_writer *w, const char *jkey, const char *lkey, const char *v)
{
	if (!v)
		return;
	if (w->fmt == PROFILE_JSONL) {
		field_json(w, jkey, json_text(v));
	} else {
		fprintf(w->f, "\t%s=", lkey);
		legacy_value(w->f, v);
	}
}

static void field_u64(struct profile_writer *w, const char *jkey, const char *lkey, uint64_t v)
{
	if (w->fmt == PROFILE_JSONL)
		field_json(w, jkey, json_u64(v));
	else
		fprintf(w->f, "\t%s=%" PRIu64, lkey, v);
}

static void field_s64(struct profile_writer *w, const char *jkey, const char *lkey, int64_t v)
{
	if (w->fmt == PROFILE_JSONL)
		field_json(w, jkey, json_integer(v));
	else
		fprintf(w->f, "\t%s=%" PRId64, lkey, v);
}

static void record_begin(struct profile_writer *w, const char *type)
{
	if (w->fmt == PROFILE_JSONL) {
		w->rec = json_object();
		w->oom = false;
		field_json(w, "type", json_string(type));
	} else {
		fputs(type, w->f);
	}
}

/* JSON Lines: one compact object a line; reals keep 15 digits (a speedup of 0.35 stays 0.35) */
static void record_end(struct profile_writer *w)
{
	if (w->fmt != PROFILE_JSONL) {
		fputc('\n', w->f);
	} else if (w->oom) {
		if (!w->error)
			w->error = ENOMEM;
	} else if (!json_dumpf(w->rec, w->f, JSON_COMPACT | JSON_REAL_PRECISION(15))) {
		fputc('\n', w->f);
	}
	json_decref(w->rec);
	w->rec = NULL;
	note_error(w);
}

void profile_write_startup(struct profile_writer *w, uint64_t realtime_ns, const struct profile_meta *meta)
{
	record_begin(w, "startup");
	field_u64(w, "time", "time", realtime_ns);
	if (meta) {
		field_str(w, "tool", "tool", "causal");
		field_str(w, "version", "version", meta->tool_version);
		field_str(w, "thread_model", "thread-model", meta->thread_model);
		field_str(w, "event", "event", meta->event);
		if (meta->period_ns)
			field_u64(w, "period_ns", "period-ns", meta->period_ns);
		field_str(w, "command", "command", meta->command);
		field_str(w, "kernel", "kernel", meta->kernel_release);
		field_str(w, "unwind", "unwind", meta->unwind);
	}
	record_end(w);
}

void profile_write_experiment(struct profile_writer *w, const struct profile_experiment *e)
{
	double s = e->speedup;

	/* "-0.00" or "1.01" would be new speedup keys for the viewer */
	if (!(s > 0))
		s = 0;
	if (s > 1)
		s = 1;
	record_begin(w, "experiment");
	field_str(w, "selected", "selected", e->selected ? e->selected : "");
	/* whole percents: the viewer keys its points by the speedup */
	if (w->fmt == PROFILE_JSONL)
		field_json(w, "speedup", json_real(round(s * 100) / 100));
	else
		fprintf(w->f, "\tspeedup=%.2f", s);
	field_u64(w, "duration", "duration", e->duration);
	field_u64(w, "selected_samples", "selected-samples", e->selected_samples);
	field_u64(w, "start_ns", "start-ns", e->start_ns);
	field_u64(w, "end_ns", "end-ns", e->end_ns);
	field_u64(w, "delay_inserted", "delay-inserted", e->delay_inserted);
	field_u64(w, "delay_paid", "delay-paid", e->delay_paid);
	field_s64(w, "paid_error_ns", "paid-error-ns", e->paid_error_ns);
	field_u64(w, "payments", "payments", e->payments);
	if (e->target_ended)
		field_u64(w, "target_ended", "target-ended", 1);
	record_end(w);
}

/* A record of one text and one count, each under a key that is the same in both formats. */
static void write_text_count(struct profile_writer *w, const char *type, const char *text_key, const char *text,
			     const char *count_key, uint64_t count)
{
	record_begin(w, type);
	field_str(w, text_key, text_key, text);
	field_u64(w, count_key, count_key, count);
	record_end(w);
}

void profile_write_throughput(struct profile_writer *w, const char *name, uint64_t delta)
{
	write_text_count(w, "throughput-point", "name", name, "delta", delta);
}

void profile_write_latency(struct profile_writer *w, const char *name, uint64_t arrivals, uint64_t departures,
			   int64_t difference)
{
	record_begin(w, "latency-point");
	field_str(w, "name", "name", name);
	field_u64(w, "arrivals", "arrivals", arrivals);
	field_u64(w, "departures", "departures", departures);
	field_s64(w, "difference", "difference", difference);
	record_end(w);
}

void profile_write_runtime(struct profile_writer *w, uint64_t ns)
{
	record_begin(w, "runtime");
	field_u64(w, "time", "time", ns);
	record_end(w);
}

void profile_write_samples(struct profile_writer *w, const char *location, uint64_t count)
{
	write_text_count(w, "samples", "location", location, "count", count);
}

void profile_write_thread_spans(struct profile_writer *w, int pid, int tid, const char *kind,
				int cpu, const uint64_t (*spans)[2], size_t n)
{
	json_t *list = NULL;
	size_t i;

	record_begin(w, "thread-spans");
	field_s64(w, "pid", "pid", pid);
	field_s64(w, "tid", "tid", tid);
	field_str(w, "kind", "kind", kind);
	if (cpu >= 0)
		field_s64(w, "cpu", "cpu", cpu);
	/* JSON: [[start,duration],...]; legacy: start:duration,... */
	if (w->fmt == PROFILE_JSONL)
		list = json_array();
	else
		fputs("\tspans=", w->f);
	for (i = 0; i < n; i++) {
		if (w->fmt != PROFILE_JSONL)
			fprintf(w->f, "%s%" PRIu64 ":%" PRIu64, i ? "," : "", spans[i][0], spans[i][1]);
		else if (list && json_array_append_new(list, json_pack("[o,o]", json_u64(spans[i][0]),
								       json_u64(spans[i][1])))) {
			json_decref(list);
			list = NULL;
		}
	}
	if (w->fmt == PROFILE_JSONL)
		field_json(w, "spans", list);
	record_end(w);
}

void profile_write_timeline_start(struct profile_writer *w, unsigned int cpus, uint64_t start_ns)
{
	record_begin(w, "timeline");
	field_u64(w, "cpus", "cpus", cpus);
	field_u64(w, "start", "start", start_ns);
	field_str(w, "source", "source", "switches");
	record_end(w);
}

void profile_write_timeline_end(struct profile_writer *w, uint64_t end_ns, uint64_t dropped)
{
	record_begin(w, "timeline");
	field_u64(w, "end", "end", end_ns);
	field_u64(w, "dropped", "dropped", dropped);
	record_end(w);
}

void profile_write_object(struct profile_writer *w, uint32_t id, const char *path, const char *build_id,
			  uint64_t start, uint64_t end)
{
	record_begin(w, "object");
	field_u64(w, "id", "id", id);
	field_str(w, "path", "path", path);
	field_str(w, "build_id", "build-id", build_id);
	field_u64(w, "start", "start", start);
	field_u64(w, "end", "end", end);
	record_end(w);
}

void profile_write_function(struct profile_writer *w, uint32_t id, const char *name, const char *system_name,
			    const char *file, uint64_t start_line)
{
	record_begin(w, "function");
	field_u64(w, "id", "id", id);
	field_str(w, "name", "name", name);
	field_str(w, "system_name", "system-name", system_name);
	field_str(w, "file", "file", file ? file : "");
	field_u64(w, "start_line", "start-line", start_line);
	record_end(w);
}

/* JSON: [a,b,...] or [[a,b],...]; legacy: a,b,... or a:b,... (as thread-spans) */
static void u64_list(struct profile_writer *w, const char *key, const uint64_t *v, size_t n, size_t width)
{
	json_t *list = NULL, *item;
	size_t i, k;

	if (w->fmt == PROFILE_JSONL)
		list = json_array();
	else
		fprintf(w->f, "\t%s=", key);
	for (i = 0; i < n; i++) {
		if (w->fmt != PROFILE_JSONL) {
			for (k = 0; k < width; k++)
				fprintf(w->f, "%s%" PRIu64, k ? ":" : i ? "," : "", v[i * width + k]);
			continue;
		}
		if (width == 1) {
			item = json_u64(v[i]);
		} else {
			item = json_array();
			for (k = 0; item && k < width; k++)
				if (json_array_append_new(item, json_u64(v[i * width + k]))) {
					json_decref(item);
					item = NULL;
				}
		}
		if (list && json_array_append_new(list, item)) {
			json_decref(list);
			list = NULL;
		}
	}
	if (w->fmt == PROFILE_JSONL)
		field_json(w, key, list);
}

void profile_write_frame(struct profile_writer *w, uint32_t id, uint32_t object, uint64_t address,
			 const uint64_t (*lines)[2], size_t n)
{
	record_begin(w, "frame");
	field_u64(w, "id", "id", id);
	field_u64(w, "object", "object", object);
	field_u64(w, "address", "address", address);
	u64_list(w, "lines", n ? lines[0] : NULL, n, 2);
	record_end(w);
}

void profile_write_stack(struct profile_writer *w, uint64_t count, const char *line, const uint32_t *frames,
			 size_t n)
{
	uint64_t v[CAUSAL_MAX_CALLCHAIN + 1];
	size_t i;

	record_begin(w, "stack");
	field_u64(w, "count", "count", count);
	field_str(w, "line", "line", line);
	if (n > CAUSAL_MAX_CALLCHAIN + 1)
		n = CAUSAL_MAX_CALLCHAIN + 1;
	for (i = 0; i < n; i++)
		v[i] = frames[i];
	u64_list(w, "frames", v, n, 1);
	record_end(w);
}

int profile_flush(struct profile_writer *w)
{
	if (fflush(w->f) == EOF && !w->error)
		w->error = errno ? errno : EIO;
	note_error(w);
	return -w->error;
}

int profile_writer_close(struct profile_writer *w)
{
	int ret;

	if (!w)
		return 0;
	ret = profile_flush(w);
	if (w->own && fclose(w->f) == EOF && !ret)
		ret = -(errno ? errno : EIO);
	free(w);
	return ret;
}
