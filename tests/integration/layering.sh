#!/bin/bash
# layering.sh: the layers of corereader/ only depend to the left.
#
# Order (ARCHITECTURE.md, docs/style.md "Layers"):
#     util ; target ; image ; dwarf ; cpython ; heap ; analysis ; report ; cli
# A file in layer L may include headers of L, of the layers left of L, and
# util/.  analysis/ sees only the snapshot: it may include util/, heap/ and
# analysis/ only ("Analyses never read target memory and never know the
# Python version").
# Also, after removing comments:
#   <libelf.h>, <gelf.h>, <elfutils/...>   only in target/ and image/
#   <libdwarf.h>, <dwarf.h>                only in dwarf/
#   <sys/ptrace.h>, ptrace(), PTRACE_*, process_vm_readv, "/proc" strings
#                                          only in target/
#   printf, vprintf, puts, putchar, perror, exit, _exit, _Exit, abort, and
#   any use of stdout/stderr               only in cli/ (the library never
#                                          prints: report/ writes with
#                                          fprintf & co. to the FILE* its
#                                          caller gives, and dwarf/'s cache
#                                          writer to its own file)
# Prints each violation as file:line: rule: text.  Exit 1 if any.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
. "$(dirname "$0")/test-lib.sh"

command -v perl >/dev/null 2>&1 || skip "perl is not installed"
src=$top_srcdir/corereader
[ -d "$src" ] || hard_error "no corereader/ under $top_srcdir"

files=$(cd "$src" && find . -name '*.[ch]' | sed 's|^\./||' | sort)
[ -n "$files" ] || hard_error "no C files under $src"

# shellcheck disable=SC2086
perl -e '
use strict;
use warnings;
my $root = shift @ARGV;
my @order = qw(util target image dwarf cpython heap analysis report cli);
my %rank;
@rank{@order} = (0 .. $#order);
my %only = (analysis => { map { $_ => 1 } qw(util heap analysis) });
my $bad = 0;
my $checked = 0;

sub violation {
    my ($file, $line, $rule, $text) = @_;
    $text =~ s/^\s+|\s+$//g;
    print "corereader/$file:$line: $rule: $text\n";
    $bad++;
}

# Blank out comments, keeping newlines (so line numbers stay right) and
# string/char literals (so "/proc" can be seen and "/*" in a string is not a
# comment).  With $strip_strings, literals are blanked too.
sub uncomment {
    my ($text, $strip_strings) = @_;
    my $out = "";
    while ($text =~ m{\G(?:(/\*.*?\*/)|(//[^\n]*)|("(?:\\.|[^"\\\n])*")|(\x27(?:\\.|[^\x27\\\n])*\x27)|(.))}gsc) {
        if (defined $1) { (my $c = $1) =~ s/[^\n]/ /g; $out .= $c; }
        elsif (defined $2) { $out .= " " x length($2); }
        elsif (defined $3) { $out .= $strip_strings ? "\"" . (" " x (length($3) - 2)) . "\"" : $3; }
        elsif (defined $4) { $out .= $strip_strings ? "\x27 \x27" : $4; }
        else { $out .= $5; }
    }
    return $out;
}

sub layer_of_path {            # "target/target.h" -> target
    my ($p) = @_;
    return ($p =~ m{^([^/]+)/}) ? $1 : undef;
}

for my $file (@ARGV) {
    $checked++;
    my $layer = layer_of_path($file);
    if (!defined $layer) {
        violation($file, 1, "file outside any layer", "put it under one of @order");
        next;
    }
    if (!exists $rank{$layer}) {
        violation($file, 1, "unknown layer \"$layer\"", "layers are @order");
        next;
    }
    open(my $fh, "<", "$root/$file") or die "cannot read $root/$file: $!\n";
    my $raw = do { local $/; <$fh> };
    close $fh;
    my @code = split /\n/, uncomment($raw, 0), -1;     # strings kept
    my @bare = split /\n/, uncomment($raw, 1), -1;     # strings blanked
    my @orig = split /\n/, $raw, -1;
    (my $dir = $file) =~ s{/[^/]*$}{};
    for my $i (0 .. $#code) {
        my $n = $i + 1;
        my $line = $code[$i];
        my $text = $orig[$i] // "";
        if ($line =~ /^\s*#\s*include\s*"([^"]+)"/) {
            my $inc = $1;
            next if $inc eq "config.h";
            my $path;
            if ($inc !~ m{/}) {
                $path = "$dir/$inc";              # same directory
            } elsif ($inc =~ m{^\.\./}) {
                my @parts = split m{/}, "$dir/$inc";
                my @norm;
                for (@parts) { if ($_ eq "..") { pop @norm } elsif ($_ ne ".") { push @norm, $_ } }
                $path = join "/", @norm;
            } else {
                $path = $inc;                     # -I corereader
            }
            my $il = layer_of_path($path);
            if (!defined $il || !exists $rank{$il}) {
                violation($file, $n, "include outside the layers", $text);
            } elsif ($only{$layer} && !$only{$layer}{$il}) {
                violation($file, $n, "$layer/ may include only " . join("/, ", sort keys %{$only{$layer}}) . "/", $text);
            } elsif ($il ne "util" && $rank{$il} > $rank{$layer}) {
                violation($file, $n, "$layer/ includes $il/, a layer to its right", $text);
            }
        }
        if ($line =~ /^\s*#\s*include\s*<([^>]+)>/) {
            my $inc = $1;
            my $base = $inc; $base =~ s{.*/}{};
            if (($base eq "libelf.h" || $base eq "gelf.h" || $inc =~ m{^elfutils/})
                    && $layer ne "target" && $layer ne "image") {
                violation($file, $n, "libelf only in target/ and image/", $text);
            }
            if (($base eq "libdwarf.h" || $base eq "dwarf.h") && $layer ne "dwarf") {
                violation($file, $n, "libdwarf only in dwarf/", $text);
            }
            if ($base eq "ptrace.h" && $layer ne "target") {
                violation($file, $n, "ptrace only in target/", $text);
            }
            next;
        }
        next if $line =~ /^\s*#/;
        my $bare = $bare[$i];
        if ($layer ne "target") {
            violation($file, $n, "\"/proc\" only in target/", $text)
                if $line =~ m{"(?:\\.|[^"\\])*/proc(?:\\.|[^"\\])*"};
            violation($file, $n, "ptrace only in target/", $text)
                if $bare =~ /\b(?:ptrace\s*\(|PTRACE_\w+|process_vm_readv)/;
        }
        if ($layer ne "cli") {
            if ($bare =~ /(?<![\w.>])(printf|vprintf|puts|putchar|perror|exit|_exit|_Exit|abort)\s*\(/) {
                violation($file, $n, "$1() outside cli/ (the library never prints or exits)", $text);
            }
            if ($bare =~ /\b(stdout|stderr)\b/) {
                violation($file, $n, "$1 outside cli/ (report/ writes to the FILE* it is given)", $text);
            }
        }
    }
}
print "checked $checked files: ", ($bad ? "$bad violations\n" : "no violations\n");
exit($bad ? 1 : 0);
' "$src" $files
