#!/bin/sh
# Builds netext_VERSION_amd64.deb from the jars that ship (netext-cli/target/dist/lib); run by `bin/netext package`
# after its build, with JAVA_HOME a JDK 25 (bin/lib/java.sh). No debhelper: the tree is staged here and packed with
# dpkg-deb --root-owner-group.
#   build.sh LIB_DIR OUT_DIR      writes OUT_DIR/netext_VERSION_amd64.deb and prints its path
#
# What the package holds:
#   /usr/bin/netext                     packaging/deb/netext: sources /usr/lib/netext/launch.sh
#   /usr/lib/netext/launch.sh, jvm.sh   bin/lib/launch.sh and jvm.sh: how bin/netext starts the JVM, its options
#   /usr/lib/netext/aot-train.sh        bin/lib/aot-train.sh: postinst trains the AOT caches on the installed runtime and
#                                       jars, one per role (a cache names the paths it was trained with: not built here)
#   /usr/lib/netext/runtime/            a jlinked Java 25: the modules jdeps finds in the jars, plus runtime-modules.txt
#   /usr/lib/netext/lib/*.jar           the jars
#   /lib/systemd/system/netext.service  written by `netext install --root` (dev.netext.daemon.install.Installer)
#   /usr/share/doc/netext/              copyright, changelog.gz
#   /usr/share/man/man1/netext.1.gz     generated from `netext --help`
# /etc/netext/{profiles.d,plugins} are the admin's: made by postinst, kept on remove, deleted on purge.
set -eu
[ $# -eq 2 ] || { echo "usage: $0 LIB_DIR OUT_DIR" >&2; exit 2; }
LIB=$(cd "$1" && pwd)
mkdir -p "$2"
OUT=$(cd "$2" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
JDK=${JAVA_HOME:?JAVA_HOME must be a JDK 25}
LIST="$ROOT/bin/lib/packages.sh"

# Debian's version from Maven's: 0.1.0-SNAPSHOT sorts before 0.1.0, as 0.1.0~snapshot does.
cli_jar=$(ls "$LIB"/netext-cli-*.jar)
mvn_version=${cli_jar##*/netext-cli-}
mvn_version=${mvn_version%.jar}
VERSION=$(echo "$mvn_version" | sed 's/-SNAPSHOT$/~snapshot/; s/-/~/g')
ARCH=$(dpkg --print-architecture)
# Reproducible dates (changelog, jlink, tar): the last commit's, when there is a git checkout.
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || date +%s)}
export SOURCE_DATE_EPOCH

STAGE="$OUT/deb-stage"
rm -rf "$STAGE"
mkdir -p "$STAGE/DEBIAN" "$STAGE/usr/bin" "$STAGE/usr/lib/netext/lib" "$STAGE/lib/systemd/system" "$STAGE/usr/share/doc/netext"
APP="$STAGE/usr/lib/netext"
step() { echo "netext package: $(date +%T) $*" >&2; }

step "runtime modules (jdeps over $(ls "$LIB" | wc -l) jars)"
found=$("$JDK/bin/jdeps" --print-module-deps --ignore-missing-deps --multi-release 25 "$LIB"/*.jar)
corrections=$(sed 's/#.*//' "$HERE/runtime-modules.txt" | tr -s ' \t' '\n' | grep . || true)
dropped=$(echo "$corrections" | sed -n 's/^-//p')
MODULES=$({ echo "$found" | tr , '\n'; echo "$corrections" | grep -v '^-' || true; } | grep . |
  while read -r m; do echo "$dropped" | grep -qxF "$m" || echo "$m"; done | sort -u | paste -sd, -)
step "jlink $MODULES"
"$JDK/bin/jlink" --add-modules "$MODULES" --output "$APP/runtime" \
  --strip-debug \
  --no-header-files --no-man-pages --compress zip-6 --generate-cds-archive --dedup-legal-notices error-if-not-same-content >&2

# The second default CDS archive serves only heaps of 32 GiB and more (no compressed oops): never netext's.
rm -f "$APP/runtime/lib/server/classes_nocoops.jsa"
# ELF files stripped as dh_strip does (jlink's --strip-debug leaves their symbol tables); the legal notices 0644.
find "$APP/runtime" -type f -name '*.so' -exec strip --remove-section=.comment --remove-section=.note --strip-unneeded {} +
find "$APP/runtime/bin" "$APP/runtime/lib" -maxdepth 1 -type f -perm -u+x ! -name '*.so' \
  -exec strip --remove-section=.comment --remove-section=.note {} +
chmod -R u+w,go-w,a+rX "$APP/runtime"
find "$APP/runtime/legal" -type f -exec chmod 644 {} +

cp "$LIB"/*.jar "$APP/lib/"
install -m 644 "$ROOT/bin/lib/launch.sh" "$APP/launch.sh"
install -m 644 "$ROOT/bin/lib/jvm.sh" "$APP/jvm.sh"
install -m 755 "$ROOT/bin/lib/aot-train.sh" "$APP/aot-train.sh"
install -m 755 "$HERE/netext" "$STAGE/usr/bin/netext"

# The unit and /etc/netext as `netext install` makes them (one text, Installer's), with the package's launcher;
# run on the new runtime through the shipped launch.sh, which also proves both work.
step "systemd unit (netext install --root, on the jlinked runtime)"
installed="$OUT/deb-install-root"
rm -rf "$installed"
(. "$APP/jvm.sh" && . "$APP/launch.sh" && netext_exec "$APP/runtime" "$APP/lib" /usr/bin/netext install --root "$installed" --exec /usr/bin/netext --no-start) >/dev/null
install -m 644 "$installed/etc/systemd/system/netext.service" "$STAGE/lib/systemd/system/netext.service"
rm -rf "$installed"

install -m 644 "$HERE/copyright" "$STAGE/usr/share/doc/netext/copyright"
# netext(1): the commands as `netext --help` lists them (generated, so it never disagrees with the program).
mkdir -p "$STAGE/usr/share/man/man1"
{
  printf '.TH NETEXT 1 "%s" "netext %s" "User Commands"\n' "$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)" "$VERSION"
  cat <<'MAN'
.SH NAME
netext \- Network Extension framework for Linux: tunnels, DNS, flow filter, WireGuard
.SH SYNOPSIS
.B netext
.I COMMAND
[\fIOPTIONS\fR]
.SH DESCRIPTION
.nf
MAN
  (. "$APP/jvm.sh" && . "$APP/launch.sh" && netext_exec "$APP/runtime" "$APP/lib" /usr/bin/netext --help) | sed 's/\\/\\e/g; s/^[.'"'"']/\\\&&/'
  cat <<'MAN'
.fi
.PP
Each command lists its own options with \fBnetext \fICOMMAND\fB \-\-help\fR.
.SH FILES
.TP
.I /etc/netext/profiles.d
the profiles netextd (\fBnetext daemon\fR, netext.service) runs
.TP
.I /etc/netext/plugins
provider plugin jars shared by all profiles
MAN
} | gzip -9n >"$STAGE/usr/share/man/man1/netext.1.gz"
chmod 644 "$STAGE/usr/share/man/man1/netext.1.gz"
sed "s/@VERSION@/$VERSION/; s/@COMMIT@/$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)/; s/@DATE@/$(date -u -R -d "@$SOURCE_DATE_EPOCH")/" \
  "$HERE/changelog.in" | gzip -9n >"$STAGE/usr/share/doc/netext/changelog.gz"
chmod 644 "$STAGE/usr/share/doc/netext/changelog.gz"
mkdir -p "$STAGE/usr/share/lintian/overrides"
install -m 644 "$HERE/lintian-overrides" "$STAGE/usr/share/lintian/overrides/netext"

# Depends: the shared libraries the runtime links (dpkg-shlibdeps), then packages/debian.txt's runtime role;
# Recommends: the sandbox's peers that the runtime role does not already bring.
step "control (dependencies from dpkg-shlibdeps and packages/debian.txt)"
shlibs=$(cd "$OUT" && mkdir -p shlibs/debian && printf 'Source: netext\n\nPackage: netext\nArchitecture: any\n' >shlibs/debian/control &&
  cd shlibs && find "$APP/runtime" -type f \( -name '*.so' -o -path '*/bin/*' \) -exec dpkg-shlibdeps -O -e {} + 2>/dev/null |
  sed -n 's/^shlibs:Depends=//p')
rm -rf "$OUT/shlibs"
runtime=$("$LIST" list runtime)
sandbox=$("$LIST" list sandbox | grep -vxF "$runtime")
depends=$(printf '%s\n' "$shlibs" | tr ',' '\n' | sed 's/^ *//'; printf '%s\n' "$runtime")
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" \
  -e "s/@INSTALLED_SIZE@/$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)/" \
  -e "s/@DEPENDS@/$(printf '%s\n' "$depends" | grep . | paste -sd, - | sed 's/,/, /g')/" \
  -e "s/@RECOMMENDS@/$(printf '%s\n' "$sandbox" | paste -sd, - | sed 's/,/, /g')/" \
  "$HERE/control.in" >"$STAGE/DEBIAN/control"
for script in postinst prerm postrm; do install -m 755 "$HERE/$script" "$STAGE/DEBIAN/$script"; done
# md5sums, as dh_md5sums writes them (dpkg --verify and debsums check the installed files against them)
(cd "$STAGE" && find . -path ./DEBIAN -prune -o -type f -print | sort | xargs md5sum | sed 's|  \./|  |') >"$STAGE/DEBIAN/md5sums"
chmod 644 "$STAGE/DEBIAN/md5sums"

find "$STAGE" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
DEB="$OUT/netext_${VERSION}_$ARCH.deb"
step "dpkg-deb → $DEB"
dpkg-deb --build --root-owner-group "$STAGE" "$DEB" >/dev/null
rm -rf "$STAGE"
echo "$DEB"
