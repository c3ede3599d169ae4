#!/bin/sh
# 2004: contact-plan.csv gives, for every account that is not rejected,
# the calls still allowed on each of the next 7 days, the calling hours
# and the blocked channels; letters count where a state counts them.
. "$(dirname "$0")/../lib.sh"
valgrind_skip "the demo run of 9001, its contact plan read back"

run_demo a
P=$BUNDLE/contact-plan.csv
ok "contact-plan.csv exists" test -f "$P"
is "header" "$(head -1 "$P" | tr -d '\r' | cut -d, -f1-16)" \
  "account_id,consumer_id,state,time_zone,call_window,calls_day1,calls_day2,calls_day3,calls_day4,calls_day5,calls_day6,calls_day7,blocked_channels,block_reasons,first_day,limit_rules"
rows=$(csv_rows "$P")
rejected=$(csv_rows "$BUNDLE/audit/rejects.csv")
contact_rejects=$(grep -c '^contacts-' "$BUNDLE/audit/rejects.csv")
read_n=$(grep -o 'read [0-9]*' "$TMP/a/stdout" | cut -d' ' -f2)
is "one plan row per account not rejected" "$rows" $((read_n - (rejected - contact_rejects)))
plan() { grep "^$1," "$P" | tr -d '\r'; }
# RULE: US-REGF-CALLS-7IN7 (and MA's 2 in 7 days). RR-10060 (MA) had a
# conversation on 2026-11-20: no call that day and the 6 after (to 11-26).
ok "conversation on 11-20: no calls through 11-26" sh -c "plan_line='$(plan RR-10060)'; echo \"\$plan_line\" | cut -d, -f6-12 | grep -qx '0,0,0,0,2,2,2'"
# Cease: every channel blocked.
ok "cease: all channels blocked" sh -c "echo '$(plan RR-10031)' | cut -d, -f13 | grep -qx 'call letter email sms'"
# Opt-out of letters and texts.
ok "opt-out: letter and sms blocked" sh -c "echo '$(plan RR-10059)' | cut -d, -f13 | grep -qx 'letter sms'"
# Texas spans two time zones: the window valid in both, in Central time.
ok "TX: window valid in Central and Mountain time" sh -c "echo '$(plan RR-10002)' | cut -d, -f4-5 | grep -qx 'America/Chicago,09:00-21:00'"
# WA counts letters: three contacts in the 7 days up to the mail date
# defer the letter (RULE: WA-*).
contains "WA: letter deferred by the frequency limit" "$BUNDLE/audit/suppressed.csv" "RR-10057,deferred,FREQ_LIMIT:WA"
# Contacts with bad rows are rejected with file and line, the rest imported.
contains "bad contact timestamp rejected" "$BUNDLE/audit/rejects.csv" "contacts-2026-11-23.csv,10,RR-10099,BAD_TIMESTAMP"
contains "bad contact channel rejected" "$BUNDLE/audit/rejects.csv" "contacts-2026-11-23.csv,11,RR-10007,BAD_VALUE"
done_testing
