/*
 * plan.c: the contact plan of one account (decide.h, rules/README.md
 * "The decision, in order"): for the 7 days from the run date, how many
 * calls the agency's other systems may still place, in which local hours,
 * and which channels are closed and why.
 *
 * Everything comes from the rules data: the call limits are the
 * <contact-limit> rules whose channels include call (the federal 7-in-7
 * presumption and the quiet week after a conversation of 12 CFR
 * 1006.14(b)(2), state and city limits), the hours are the <calling-hours>
 * rules (the narrowest wins), the blocks are the holds on the person
 * (cease, dispute, bankruptcy, attorney, deceased, identity theft) and the
 * consumer's medium opt-outs. A day's allowance assumes no other call is
 * placed in the plan's week. Rules are judged on the run date.
 *
 * Time zones: a state spanning several zones gets the window that lies
 * inside the hours in every one of them on every day of the plan,
 * written in the state's first zone (GLib's GTimeZone, read at load time
 * from the system's tz database; each day's offset is the one at local
 * noon, so a DST change inside the week narrows the window on its days).
 */
#include "../pl.h"
#include "decide.h"
#include "decide-int.h"
#include "../core/date.h"

static const struct {
	enum channel channel;
	const char *name;
} plan_channels[] = {
	{ CHANNEL_CALL, "call" }, { CHANNEL_LETTER, "letter" },
	{ CHANNEL_EMAIL, "email" }, { CHANNEL_SMS, "sms" },
};

/* The holds that close every channel (the person may not be contacted). */
static bool blocks_all(enum hold_condition when)
{
	switch (when) {
	case HOLD_CEASE_REQUESTED:
	case HOLD_DISPUTE_PENDING:
	case HOLD_BANKRUPTCY:
	case HOLD_ATTORNEY_REPRESENTED:
	case HOLD_DECEASED:
	case HOLD_IDENTITY_THEFT_CLAIM:
		return true;
	default:
		return false;
	}
}

/* UTC offset of tz, in minutes, at local noon of date. */
static int noon_offset(GTimeZone *tz, int date)
{
	gint64 t = (gint64)date * 86400 + 12 * 3600;
	gint interval = g_time_zone_find_interval(tz, G_TIME_TYPE_STANDARD, t);

	if (interval < 0)
		interval = g_time_zone_find_interval(tz, G_TIME_TYPE_DAYLIGHT, t);
	if (interval < 0)
		PL_BUG("no local noon on day %d", date);
	return (int)(g_time_zone_get_offset(tz, interval) / 60);
}

/* Events of h on [from, to] of a channel in channels and a kind in kinds. */
static int count_events(const struct account_history *h, unsigned channels,
			unsigned kinds, int from, int to)
{
	int n = 0;

	for (size_t i = 0; h && i < h->nevents; i++) {
		const struct contact_event *e = &h->events[i];

		if ((e->channel & channels) && (kinds & (1u << e->kind)) &&
		    e->date >= from && e->date <= to)
			n++;
	}
	return n;
}

/* Calls r still allows on day (-1: r does not limit that day). */
static int limit_on(const struct rule *r, const struct account_history *h,
		    int day)
{
	if (r->limit.window_days) {
		/* RULE: US-REGF-CALLS-7-IN-7 and the state limits: rolling window. */
		int left = r->limit.max -
			   count_events(h, r->limit.channels, r->limit.counts,
					day - r->limit.window_days + 1, day);

		return left > 0 ? left : 0;
	}
	/* RULE: US-REGF-CALLS-AFTER-CONVERSATION: the day of it and 6 after. */
	return count_events(h, r->limit.channels, 1u << r->limit.after,
			    day - r->limit.quiet_days + 1, day) ? 0 : -1;
}

static void append_word(struct arena *arena, const char **list, const char *word)
{
	*list = **list ? arena_printf(arena, "%s %s", *list, word) :
		arena_strdup(arena, word);
}

void plan_build(const struct eval_ctx *ec, int run_date, struct verdict *out)
{
	const struct ruleset *rs = ec->rules;
	const struct account *a = ec->account;
	const struct jur_state *st = ec->state;
	struct contact_plan *p = &out->plan;
	const char *reason[PL_ARRAY_SIZE(plan_channels)] = { 0 };
	int start = 0, end = 24 * 60;

	p->first_day = run_date;
	p->time_zone = st->nzones ? st->zones[0] : "";
	p->window[0] = '\0';
	p->blocked = 0;
	p->block_reasons = "";
	p->limit_rules = "";
	for (size_t d = 0; d < PL_PLAN_DAYS; d++)
		p->calls_allowed[d] = -1;

	/* Blocks: holds on the person, then opt-outs, then no time zone. */
	for (size_t i = 0; i < rs->nrules; i++) {
		const struct rule *r = &rs->rules[i];
		const char *missing;

		if (r->kind != RULE_HOLD || !rule_in_force(r, run_date) ||
		    !rule_in_scope(r, ec) || !blocks_all(r->hold.when) ||
		    !hold_matches(r, ec) ||
		    /* Missing data blocks too: fail closed. */
		    cond_check(&r->cond, ec, &missing) == COND_FALSE)
			continue;
		for (size_t c = 0; c < PL_ARRAY_SIZE(plan_channels); c++)
			if (!reason[c])
				reason[c] = r->hold.reason;
	}
	for (size_t c = 0; c < PL_ARRAY_SIZE(plan_channels); c++)
		if (!reason[c] && (a->opt_out_channels & plan_channels[c].channel))
			reason[c] = PLAN_MEDIUM_OPT_OUT;
	if (!reason[0] && !st->nzones)
		reason[0] = PLAN_NO_TIME_ZONE;

	/* Limits and hours. */
	for (size_t i = 0; i < rs->nrules; i++) {
		const struct rule *r = &rs->rules[i];
		const char *missing;

		if ((r->kind != RULE_CONTACT_LIMIT && r->kind != RULE_CALLING_HOURS) ||
		    !rule_in_force(r, run_date) || !rule_in_scope(r, ec) ||
		    (r->kind == RULE_CONTACT_LIMIT && !(r->limit.channels & CHANNEL_CALL)) ||
		    cond_check(&r->cond, ec, &missing) == COND_FALSE)
			continue;
		append_word(ec->arena, &p->limit_rules, r->id);
		if (r->kind == RULE_CALLING_HOURS) {
			/* RULE: US-REGF-CALLING-HOURS and narrower state hours. */
			if (r->hours.start > start)
				start = r->hours.start;
			if (r->hours.end < end)
				end = r->hours.end;
			continue;
		}
		for (int d = 0; d < PL_PLAN_DAYS; d++) {
			int left = limit_on(r, ec->history, run_date + d);

			if (left >= 0 && (p->calls_allowed[d] < 0 ||
					  left < p->calls_allowed[d]))
				p->calls_allowed[d] = left;
		}
	}

	/* The window inside the hours in every zone of the state, every day. */
	if (!reason[0]) {
		int lo = start, hi = end;

		for (int d = 0; d < PL_PLAN_DAYS; d++) {
			int first = noon_offset(st->tz[0], run_date + d);

			for (size_t z = 1; z < st->nzones; z++) {
				int delta = first - noon_offset(st->tz[z], run_date + d);

				if (start + delta > lo)
					lo = start + delta;
				if (end + delta < hi)
					hi = end + delta;
			}
		}
		if (lo < 0)
			lo = 0;
		if (hi > 24 * 60)
			hi = 24 * 60;
		if (lo < hi) {
			char tmp[32];

			snprintf(tmp, sizeof(tmp), "%02d:%02d-%02d:%02d",
				 lo / 60, lo % 60, hi / 60, hi % 60);
			snprintf(p->window, sizeof(p->window), "%.11s", tmp);
		} else
			reason[0] = PLAN_NO_CALLING_WINDOW;
	}

	for (size_t c = 0; c < PL_ARRAY_SIZE(plan_channels); c++) {
		if (!reason[c])
			continue;
		p->blocked |= plan_channels[c].channel;
		append_word(ec->arena, &p->block_reasons,
			    arena_printf(ec->arena, "%s:%s", plan_channels[c].name,
					 reason[c]));
	}
	if (p->blocked & CHANNEL_CALL)
		for (size_t d = 0; d < PL_PLAN_DAYS; d++)
			p->calls_allowed[d] = 0;
}
