# Allocation-heavy perl: builds and drops hashes of strings.
my $n = shift // 200;
my $total = 0;
for my $round (1 .. $n) {
  my %h;
  for my $i (1 .. 2000) { $h{"key-$round-$i"} = ("v" x (16 + $i % 200)) . $i; }
  my @sorted = sort keys %h;
  $total += scalar(@sorted) + length(join(",", @h{@sorted[0..99]}));
}
print "$total\n";
