#!/usr/bin/perl
# watch test fixture: a session table that is never trimmed (leak), or
# trimmed to its last 16 entries (bounded). Usage: leak_memory.pl leak|bounded [SECONDS]
use strict;
use warnings;
use Time::HiRes qw(sleep time);

my $mode = $ARGV[0] // 'leak';
my $seconds = $ARGV[1] // 3600;
my @sessions;
my $end = time + $seconds;
while (time < $end) {
    push @sessions, 'x' x (256 * 1024);
    shift @sessions if $mode ne 'leak' && @sessions > 16;
    sleep 0.1;
}
