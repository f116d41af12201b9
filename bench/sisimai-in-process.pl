#!/usr/bin/perl
# Perl Sisimai parsing the corpus in process, timed as `cargo bench --bench corpus` times
# bouncedoc: emails read into memory first, one warm-up round (Sisimai loads its modules
# lazily), then the median of the timed rounds. Usage: perl bench/sisimai-in-process.pl DIR [ROUNDS]
use strict; use warnings; use Sisimai; use Time::HiRes qw(time);
my $dir = shift; my $rounds = shift || 5;
opendir(my $dh, $dir) or die; my @files = sort grep { /\.eml$/ } readdir($dh); closedir $dh;
my @emails = map { local $/; open(my $fh, '<', "$dir/$_") or die; my $s = <$fh>; close $fh; $s } @files;
my @times; my $rows = 0;
for my $r (0 .. $rounds) {
    my $t = time; $rows = 0;
    for my $e (@emails) { my $d = Sisimai->make(\$e, delivered => 1) || []; $rows += scalar @$d; }
    push @times, time - $t if $r > 0;   # round 0 warms up (modules load lazily)
}
@times = sort { $a <=> $b } @times;
printf "%d emails, %d rows; median of %d warm rounds %.1f ms\n", scalar @emails, $rows, $rounds, $times[int(@times/2)]*1000;
