// What an image's root file system holds: a small, faithful skeleton per base (busybox, alpine,
// debian bookworm, ubuntu, distroless) plus the files the image adds (nginx's config and pages,
// the control plane's binaries). Built lazily once per image kind and shared read-only: it is
// the overlay's lower layer, never stored per container. Executables are regular files; which
// tool runs is decided by the basename.
import { parseImageRef } from "../../node/imageRef";
import type { ImageBehaviour } from "../../node/images";
import { NGINX_VERSION, NGINX_WELCOME } from "../../network/answers";
import type { Flavour } from "../types";
import { MemoryFs, populate, type PopulateEntry } from "./memory";

export type Family = "busybox" | "alpine" | "debian" | "ubuntu" | "distroless" | "scratch";

export interface ImageProfile {
  /** Cache key of the lower layer. */
  key: string;
  family: Family;
  /** Whose tools the image ships; null without a shell. */
  flavour: Flavour | null;
  /** The image's ENV (PATH first). */
  env: Record<string, string>;
  /** The image's USER. */
  uid: number;
  /** The image's WORKDIR. */
  workingDir: string;
  /** Files the image adds over its base. */
  extra: Record<string, PopulateEntry>;
  /** A line the image adds to /etc/passwd (its service user; the group of the same name and id goes with it). */
  passwdExtra?: string;
}

/** When the images' files were built (cluster ms): stat and ls -l show it. */
export const IMAGE_BUILD_TIME = Date.UTC(2025, 1, 12, 3, 4, 5);

const ELF = "\x7fELF\x02\x01\x01\x00";
const exe = (note = ""): PopulateEntry => ({ data: ELF + note, mode: 0o755 });
const script = (body: string): PopulateEntry => ({ data: body, mode: 0o755 });
const dir = (mode = 0o755): PopulateEntry => ({ dir: true, mode });

const PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// ---------------------------------------------------------------------------------------------
// busybox (the official image: every applet a hard link of /bin/busybox in /bin)

const BUSYBOX_APPLETS = `[ [[ acpid add-shell addgroup adduser adjtimex ar arch arp arping ascii ash awk base32 base64
basename bc beep blkdiscard blkid blockdev bootchartd brctl bunzip2 bzcat bzip2 cal cat chat chattr chgrp chmod chown
chpasswd chpst chroot chrt chvt cksum clear cmp comm conspy cp cpio crc32 crond crontab cryptpw cttyhack cut date dc dd
deallocvt delgroup deluser depmod devmem df dhcprelay diff dirname dmesg dnsd dnsdomainname dos2unix dpkg dpkg-deb du
dumpkmap dumpleases echo ed egrep eject env envdir envuidgid ether-wake expand expr factor fakeidentd fallocate false
fatattr fbset fbsplash fdflush fdformat fdisk fgconsole fgrep find findfs flock fold free freeramdisk fsck fsck.minix
fsfreeze fstrim fsync ftpd ftpget ftpput fuser getfattr getopt getty grep groups gunzip gzip halt hd hdparm head hexdump
hexedit hostid hostname httpd hush hwclock i2cdetect i2cdump i2cget i2cset i2ctransfer id ifconfig ifdown ifenslave
ifplugd ifup inetd init insmod install ionice iostat ip ipaddr ipcalc ipcrm ipcs iplink ipneigh iproute iprule iptunnel
kbd_mode kill killall killall5 klogd last less link linux32 linux64 linuxrc ln loadfont loadkmap logger login logname
logread losetup lpd lpq lpr ls lsattr lsmod lsof lspci lsscsi lsusb lzcat lzma lzop lzopcat makedevs makemime man md5sum
mdev mesg microcom mim mkdir mkdosfs mke2fs mkfifo mkfs.ext2 mkfs.minix mkfs.vfat mknod mkpasswd mkswap mktemp modinfo
modprobe more mount mountpoint mpstat mt mv nameif nanddump nandwrite nbd-client nc netstat nice nl nmeter nohup nologin
nproc nsenter nslookup ntpd nuke od openvt partprobe passwd paste patch pgrep pidof ping ping6 pipe_progress pivot_root
pkill pmap popmaildir poweroff powertop printenv printf ps pscan pstree pwd pwdx raidautorun rdate rdev readahead
readlink readprofile realpath reboot reformime remove-shell renice reset resize resume rev rm rmdir rmmod route rpm
rpm2cpio rtcwake run-init run-parts runlevel runsv runsvdir rx script scriptreplay sed seedrng sendmail seq setarch
setconsole setfattr setfont setkeycodes setlogcons setpriv setserial setsid setuidgid sh sha1sum sha256sum sha3sum
sha512sum showkey shred shuf slattach sleep smemcap softlimit sort split ssl_client start-stop-daemon stat strings stty
su sulogin sum sv svc svlogd svok swapoff swapon switch_root sync sysctl syslogd tac tail tar taskset tc tcpsvd tee
telnet telnetd test tftp tftpd time timeout top touch tr traceroute traceroute6 tree true truncate ts tsort tty ttysize
tunctl ubiattach ubidetach ubimkvol ubirename ubirmvol ubirsvol ubiupdatevol udhcpc udhcpc6 udhcpd udpsvd uevent umount
uname unexpand uniq unix2dos unlink unlzma unlzop unshare unxz unzip uptime users usleep uudecode uuencode vconfig vi
vlock volname w wall watch watchdog wc wget which who whoami whois xargs xxd xz xzcat yes zcat zcip`.split(/\s+/);

const BUSYBOX_PASSWD = `root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
sys:x:3:3:sys:/dev:/bin/false
sync:x:4:100:sync:/bin:/bin/sync
mail:x:8:8:mail:/var/spool/mail:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
operator:x:37:37:Operator:/var:/bin/false
nobody:x:65534:65534:nobody:/home:/bin/false
`;

const BUSYBOX_GROUP = `root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
disk:x:6:
lp:x:7:
mail:x:8:
kmem:x:9:
wheel:x:10:root
cdrom:x:11:
dialout:x:18:
floppy:x:19:
video:x:28:
audio:x:29:
tape:x:32:
www-data:x:33:
operator:x:37:
utmp:x:43:
plugdev:x:46:
staff:x:50:
lock:x:54:
netdev:x:82:
users:x:100:
nogroup:x:65534:
`;

function busyboxBase(fs: MemoryFs): void {
  populate(fs, {
    "/bin/busybox": exe("busybox"),
    "/dev": dir(),
    "/etc/passwd": BUSYBOX_PASSWD,
    "/etc/group": BUSYBOX_GROUP,
    "/etc/shadow": { data: "root:*:10933:0:99999:7:::\n", mode: 0o600 },
    "/etc/localtime": "TZif2\n",
    "/etc/nsswitch.conf": "hosts: files dns\nnetworks: files\n",
    "/etc/network": dir(),
    "/home": dir(),
    "/lib": dir(),
    "/lib64": { symlink: "lib" },
    "/proc": dir(0o555),
    "/root": dir(0o700),
    "/sys": dir(0o555),
    "/tmp": dir(0o1777),
    "/usr/bin": dir(),
    "/usr/sbin": dir(),
    "/var/spool/mail": dir(),
    "/var/www": dir(),
  });
  for (const a of BUSYBOX_APPLETS) fs.hardlink("/bin/busybox", `/bin/${a}`);
}

// ---------------------------------------------------------------------------------------------
// alpine (busybox applets as symlinks to /bin/busybox across /bin, /sbin, /usr/bin, /usr/sbin)

const ALPINE_VERSION = "3.21.3";
const ALPINE_APPLETS: Record<string, string> = {
  "/bin": `arch ash base64 bbconfig cat chattr chgrp chmod chown cp date dd df dmesg dnsdomainname dumpkmap echo ed egrep
false fatattr fdflush fgrep fsync getopt grep gunzip gzip hostname ionice iostat ipcalc kbd_mode kill link linux32 linux64
ln login ls lsattr lzop makemime mkdir mknod mktemp more mount mountpoint mpstat mv netstat nice pidof ping ping6
pipe_progress printenv ps pwd reformime rev rm rmdir run-parts sed setpriv setserial sh sleep stat stty su sync tar touch
true umount uname usleep watch zcat`,
  "/sbin": `acpid adjtimex arp blkid blockdev depmod fbsplash fdisk findfs fsck fstrim getty halt hwclock ifconfig ifdown
ifenslave ifup init inotifyd insmod ip ipaddr iplink ipneigh iproute iprule iptunnel klogd loadkmap logread losetup lsmod
mdev mkdosfs mkfs.vfat mkswap modinfo modprobe nameif nologin pivot_root poweroff raidautorun reboot rmmod route
setconsole slattach swapoff swapon switch_root sysctl syslogd tunctl udhcpc vconfig watchdog`,
  "/usr/bin": `[ [[ awk basename bc beep blkdiscard bunzip2 bzcat bzip2 cal chvt cksum clear cmp comm cpio crontab cryptpw cut
dc deallocvt diff dirname dos2unix du eject env expand expr factor fallocate find flock fold free fuser groups hd head
hexdump hostid id install ipcrm ipcs killall last less logger lsof lsusb lzcat lzma md5sum mesg microcom mkfifo mkpasswd
nc nl nmeter nohup nproc nsenter nslookup od openvt passwd paste pgrep pkill pmap printf pscan pstree pwdx readlink
realpath renice reset resize seq setkeycodes setsid sha1sum sha256sum sha3sum sha512sum showkey shred shuf sort split
strings sum tac tail tee test time timeout top tr traceroute traceroute6 tree truncate tty ttysize udhcpc6 unexpand uniq
unix2dos unlink unlzma unlzop unshare unxz unzip uptime uudecode uuencode vi vlock volname wc wget which whoami whois
xargs xxd xzcat yes`,
  "/usr/sbin": `add-shell addgroup adduser arping brctl chpasswd chroot crond delgroup deluser ether-wake fbset killall5
loadfont nanddump nandwrite nbd-client ntpd partprobe rdate rdev readahead remove-shell rfkill sendmail setfont setlogcons`,
};

const ALPINE_PASSWD = `root:x:0:0:root:/root:/bin/sh
bin:x:1:1:bin:/bin:/sbin/nologin
daemon:x:2:2:daemon:/sbin:/sbin/nologin
lp:x:4:7:lp:/var/spool/lpd:/sbin/nologin
sync:x:5:0:sync:/sbin:/bin/sync
shutdown:x:6:0:shutdown:/sbin:/sbin/shutdown
halt:x:7:0:halt:/sbin:/sbin/halt
mail:x:8:12:mail:/var/mail:/sbin/nologin
news:x:9:13:news:/usr/lib/news:/sbin/nologin
uucp:x:10:14:uucp:/var/spool/uucppublic:/sbin/nologin
cron:x:16:16:cron:/var/spool/cron:/sbin/nologin
ftp:x:21:21::/var/lib/ftp:/sbin/nologin
sshd:x:22:22:sshd:/dev/null:/sbin/nologin
games:x:35:35:games:/usr/games:/sbin/nologin
ntp:x:123:123:NTP:/var/empty:/sbin/nologin
guest:x:405:100:guest:/dev/null:/sbin/nologin
nobody:x:65534:65534:nobody:/:/sbin/nologin
`;

const ALPINE_GROUP = `root:x:0:root
bin:x:1:root,bin,daemon
daemon:x:2:root,bin,daemon
sys:x:3:root,bin
adm:x:4:root,daemon
tty:x:5:
disk:x:6:root
lp:x:7:lp
kmem:x:9:
wheel:x:10:root
floppy:x:11:root
mail:x:12:mail
news:x:13:news
uucp:x:14:uucp
cron:x:16:cron
audio:x:18:
cdrom:x:19:
dialout:x:20:root
ftp:x:21:
sshd:x:22:
input:x:23:
tape:x:26:root
video:x:27:root
netdev:x:28:
kvm:x:34:kvm
games:x:35:
shadow:x:42:
www-data:x:82:
users:x:100:games
ntp:x:123:
abuild:x:300:
utmp:x:406:
ping:x:999:
nogroup:x:65533:
nobody:x:65534:
`;

function alpineBase(fs: MemoryFs): void {
  populate(fs, {
    "/bin/busybox": exe("busybox"),
    "/dev": dir(),
    "/etc/alpine-release": `${ALPINE_VERSION}\n`,
    "/etc/os-release": `NAME="Alpine Linux"\nID=alpine\nVERSION_ID=${ALPINE_VERSION}\nPRETTY_NAME="Alpine Linux v${ALPINE_VERSION.split(".").slice(0, 2).join(".")}"\nHOME_URL="https://alpinelinux.org/"\nBUG_REPORT_URL="https://gitlab.alpinelinux.org/alpine/aports/-/issues"\n`,
    "/etc/issue": `Welcome to Alpine Linux ${ALPINE_VERSION.split(".").slice(0, 2).join(".")}\nKernel \\r on an \\m (\\l)\n\n`,
    "/etc/passwd": ALPINE_PASSWD,
    "/etc/group": ALPINE_GROUP,
    "/etc/shadow": { data: "root:*::0:::::\n", mode: 0o640 },
    "/etc/shells": "# valid login shells\n/bin/sh\n/bin/ash\n",
    "/etc/apk/repositories": `https://dl-cdn.alpinelinux.org/alpine/v${ALPINE_VERSION.split(".").slice(0, 2).join(".")}/main\nhttps://dl-cdn.alpinelinux.org/alpine/v${ALPINE_VERSION.split(".").slice(0, 2).join(".")}/community\n`,
    "/etc/apk/world": "alpine-baselayout\nalpine-keys\napk-tools\nbusybox\nca-certificates-bundle\nlibc-utils\n",
    "/etc/profile": 'export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"\nexport PAGER=less\numask 022\n',
    "/etc/ssl/certs/ca-certificates.crt": "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
    "/home": dir(),
    "/lib/apk/db/installed": "P:busybox\nV:1.37.0-r12\n\nP:alpine-baselayout\nV:3.6.8-r1\n\nP:apk-tools\nV:2.14.6-r3\n\n",
    "/lib/ld-musl-x86_64.so.1": exe("musl"),
    "/media": dir(),
    "/mnt": dir(),
    "/opt": dir(),
    "/proc": dir(0o555),
    "/root": dir(0o700),
    "/run": dir(),
    "/sbin/apk": exe("apk"),
    "/sbin/ldconfig": script("#!/bin/sh\nexit 0\n"),
    "/srv": dir(),
    "/sys": dir(0o555),
    "/tmp": dir(0o1777),
    "/usr/bin/getconf": exe(),
    "/usr/bin/getent": exe(),
    "/usr/bin/iconv": exe(),
    "/usr/bin/ldd": exe(),
    "/usr/bin/scanelf": exe(),
    "/usr/bin/ssl_client": exe(),
    "/usr/lib": dir(),
    "/usr/sbin": dir(),
    "/usr/local/bin": dir(),
    "/usr/local/lib": dir(),
    "/usr/local/share": dir(),
    "/usr/share": dir(),
    "/var/cache": dir(),
    "/var/empty": dir(),
    "/var/lib": dir(),
    "/var/local": dir(),
    "/var/lock": dir(),
    "/var/log": dir(),
    "/var/mail": dir(),
    "/var/opt": dir(),
    "/var/run": { symlink: "/run" },
    "/var/spool/cron/crontabs": { symlink: "/etc/crontabs" },
    "/var/tmp": dir(0o1777),
    "/etc/crontabs": dir(),
  });
  for (const [d, names] of Object.entries(ALPINE_APPLETS)) for (const a of names.split(/\s+/)) fs.symlink("/bin/busybox", `${d}/${a}`);
}

// ---------------------------------------------------------------------------------------------
// debian bookworm and ubuntu (merged /usr: /bin, /sbin, /lib are symlinks into /usr)

const GNU_BIN = `[ arch b2sum base32 base64 basename basenc cat chcon chgrp chmod chown cksum comm cp csplit cut date dd df dir
dircolors dirname du echo env expand expr factor false fmt fold groups head hostid id install join link ln logname ls
md5sum mkdir mkfifo mknod mktemp mv nice nl nohup nproc numfmt od paste pathchk pinky pr printenv printf ptx pwd readlink
realpath rm rmdir runcon seq sha1sum sha224sum sha256sum sha384sum sha512sum shred shuf sleep sort split stat stdbuf stty
sum sync tac tail tee test timeout touch tr true truncate tsort tty uname unexpand uniq unlink users vdir wc who whoami yes
bash dash grep egrep fgrep sed gzip gunzip zcat zgrep zless zmore uncompress tar find xargs cmp diff diff3 sdiff hostname
dnsdomainname domainname login su more mount umount findmnt lsblk mountpoint setsid script rev getopt flock ionice
renice logger whereis wall mcookie namei chsh chfn newgrp passwd gpasswd chage expiry mawk perl perl5.36.0 apt apt-get
apt-cache apt-config apt-mark dpkg dpkg-query dpkg-deb dpkg-divert dpkg-split dpkg-statoverride dpkg-trigger dpkg-maintscript-helper
getent getconf iconv ldd locale localedef which tempfile run-parts savelog ischroot gpgv debconf debconf-show tabs tic
toe tput tset clear infocmp reset captoinfo infotocap select-editor sensible-editor sensible-pager sensible-browser`;
const GNU_SBIN = `chroot ldconfig nologin useradd userdel usermod groupadd groupdel groupmod adduser deluser addgroup delgroup
pwck grpck chpasswd chgpasswd newusers vipw vigr start-stop-daemon update-alternatives agetty blkid blockdev fdisk sfdisk
fsck mkfs mkswap swapon swapoff losetup pivot_root switch_root wipefs sulogin killall5 halt reboot shutdown
poweroff runlevel invoke-rc.d service update-rc.d pam-auth-update pam_getenv iconvconfig zic rmt tarcat dpkg-preconfigure
dpkg-reconfigure`;

const DEBIAN_PASSWD = `root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
bin:x:2:2:bin:/bin:/usr/sbin/nologin
sys:x:3:3:sys:/dev:/usr/sbin/nologin
sync:x:4:65534:sync:/bin:/bin/sync
games:x:5:60:games:/usr/games:/usr/sbin/nologin
man:x:6:12:man:/var/cache/man:/usr/sbin/nologin
lp:x:7:7:lp:/var/spool/lpd:/usr/sbin/nologin
mail:x:8:8:mail:/var/mail:/usr/sbin/nologin
news:x:9:9:news:/var/spool/news:/usr/sbin/nologin
uucp:x:10:10:uucp:/var/spool/uucp:/usr/sbin/nologin
proxy:x:13:13:proxy:/bin:/usr/sbin/nologin
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin
backup:x:34:34:backup:/var/backups:/usr/sbin/nologin
list:x:38:38:Mailing List Manager:/var/list:/usr/sbin/nologin
irc:x:39:39:ircd:/run/ircd:/usr/sbin/nologin
_apt:x:42:65534::/nonexistent:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
`;

const DEBIAN_GROUP = `root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
disk:x:6:
lp:x:7:
mail:x:8:
news:x:9:
uucp:x:10:
man:x:12:
proxy:x:13:
kmem:x:15:
dialout:x:20:
fax:x:21:
voice:x:22:
cdrom:x:24:
floppy:x:25:
tape:x:26:
sudo:x:27:
audio:x:29:
dip:x:30:
www-data:x:33:
backup:x:34:
operator:x:37:
list:x:38:
irc:x:39:
src:x:40:
shadow:x:42:
utmp:x:43:
video:x:44:
sasl:x:45:
plugdev:x:46:
staff:x:50:
games:x:60:
users:x:100:
nogroup:x:65534:
`;

const DEBIAN_OS_RELEASE = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
`;

const UBUNTU_OS_RELEASE = `PRETTY_NAME="Ubuntu 24.04.2 LTS"
NAME="Ubuntu"
VERSION_ID="24.04"
VERSION="24.04.2 LTS (Noble Numbat)"
VERSION_CODENAME=noble
ID=ubuntu
ID_LIKE=debian
HOME_URL="https://www.ubuntu.com/"
SUPPORT_URL="https://help.ubuntu.com/"
BUG_REPORT_URL="https://bugs.launchpad.net/ubuntu/"
PRIVACY_POLICY_URL="https://www.ubuntu.com/legal/terms-and-policies/privacy-policy"
UBUNTU_CODENAME=noble
LOGO=ubuntu-logo
`;

function debianBase(fs: MemoryFs, ubuntu: boolean): void {
  populate(fs, {
    "/bin": { symlink: "usr/bin" },
    "/sbin": { symlink: "usr/sbin" },
    "/lib": { symlink: "usr/lib" },
    "/lib64": { symlink: "usr/lib64" },
    "/boot": dir(),
    "/dev": dir(),
    "/etc/os-release": { symlink: "../usr/lib/os-release" },
    "/usr/lib/os-release": ubuntu ? UBUNTU_OS_RELEASE : DEBIAN_OS_RELEASE,
    "/etc/debian_version": ubuntu ? "trixie/sid\n" : "12.10\n",
    "/etc/issue": ubuntu ? "Ubuntu 24.04.2 LTS \\n \\l\n\n" : "Debian GNU/Linux 12 \\n \\l\n\n",
    "/etc/passwd": ubuntu ? DEBIAN_PASSWD + "ubuntu:x:1000:1000:Ubuntu:/home/ubuntu:/bin/bash\n" : DEBIAN_PASSWD,
    "/etc/group": ubuntu ? DEBIAN_GROUP + "ubuntu:x:1000:\n" : DEBIAN_GROUP,
    "/etc/shadow": { data: "root:*:20000:0:99999:7:::\n", mode: 0o640, gid: 42 },
    "/etc/shells": "# /etc/shells: valid login shells\n/bin/sh\n/usr/bin/sh\n/bin/bash\n/usr/bin/bash\n/bin/rbash\n/usr/bin/rbash\n/bin/dash\n/usr/bin/dash\n",
    "/etc/bash.bashrc": "# System-wide .bashrc file for interactive bash(1) shells.\n[ -z \"$PS1\" ] && return\nPS1='${debian_chroot:+($debian_chroot)}\\u@\\h:\\w\\$ '\n",
    "/etc/profile": 'if [ "$(id -u)" -eq 0 ]; then\n  PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"\nelse\n  PATH="/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games"\nfi\nexport PATH\n',
    "/etc/hostname": "",
    "/etc/apt/sources.list.d/debian.sources": ubuntu
      ? ""
      : "Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\nTypes: deb\nURIs: http://deb.debian.org/debian-security\nSuites: bookworm-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n",
    "/etc/alternatives/awk": { symlink: "/usr/bin/mawk" },
    "/etc/alternatives/pager": { symlink: "/usr/bin/more" },
    "/home": dir(),
    "/media": dir(),
    "/mnt": dir(),
    "/opt": dir(),
    "/proc": dir(0o555),
    "/root": dir(0o700),
    "/root/.bashrc": "# ~/.bashrc: executed by bash(1) for non-login shells.\n",
    "/root/.profile": "# ~/.profile: executed by Bourne-compatible login shells.\n",
    "/run/lock": dir(0o1777),
    "/srv": dir(),
    "/sys": dir(0o555),
    "/tmp": dir(0o1777),
    "/usr/bin": dir(),
    "/usr/games": dir(),
    "/usr/include": dir(),
    "/usr/lib/x86_64-linux-gnu": dir(),
    "/usr/lib64/ld-linux-x86-64.so.2": { symlink: "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" },
    "/usr/libexec": dir(),
    "/usr/local/bin": dir(),
    "/usr/local/etc": dir(),
    "/usr/local/games": dir(),
    "/usr/local/include": dir(),
    "/usr/local/lib": dir(),
    "/usr/local/sbin": dir(),
    "/usr/local/share": dir(),
    "/usr/local/src": dir(),
    "/usr/sbin": dir(),
    "/usr/share/doc": dir(),
    "/usr/src": dir(),
    "/var/backups": dir(),
    "/var/cache/apt": dir(),
    "/var/lib/apt/lists": dir(),
    "/var/lib/dpkg/status": "Package: base-files\nStatus: install ok installed\n\nPackage: bash\nStatus: install ok installed\n\nPackage: coreutils\nStatus: install ok installed\n\n",
    "/var/local": dir(0o2775),
    "/var/lock": { symlink: "/run/lock" },
    "/var/log/apt": dir(),
    "/var/mail": dir(0o2775),
    "/var/opt": dir(),
    "/var/run": { symlink: "/run" },
    "/var/spool": dir(),
    "/var/tmp": dir(0o1777),
  });
  for (const name of GNU_BIN.split(/\s+/)) if (!fs.lstat(`/usr/bin/${name}`)) fs.write(`/usr/bin/${name}`, ELF + name, { mode: 0o755 });
  for (const name of GNU_SBIN.split(/\s+/)) if (!fs.lstat(`/usr/sbin/${name}`)) fs.write(`/usr/sbin/${name}`, ELF + name, { mode: 0o755 });
  // sh is dash, awk mawk through the alternatives, rbash bash.
  fs.symlink("dash", "/usr/bin/sh");
  fs.symlink("/etc/alternatives/awk", "/usr/bin/awk");
  fs.symlink("/etc/alternatives/pager", "/usr/bin/pager");
  fs.symlink("bash", "/usr/bin/rbash");
}

// ---------------------------------------------------------------------------------------------
// distroless (gcr.io/distroless/static: no shell, no package manager)

const DISTROLESS_PASSWD = `root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
`;

function distrolessBase(fs: MemoryFs): void {
  populate(fs, {
    "/bin": dir(),
    "/boot": dir(),
    "/dev": dir(),
    "/etc/passwd": DISTROLESS_PASSWD,
    "/etc/group": "root:x:0:\nnobody:x:65534:\ntty:x:5:\nstaff:x:50:\nnonroot:x:65532:\n",
    "/etc/os-release": 'PRETTY_NAME="Distroless"\nNAME="Debian GNU/Linux"\nID="debian"\nVERSION_ID="12"\nVERSION="Debian GNU/Linux 12 (bookworm)"\nHOME_URL="https://github.com/GoogleContainerTools/distroless"\nSUPPORT_URL="https://github.com/GoogleContainerTools/distroless/blob/master/README.md"\nBUG_REPORT_URL="https://github.com/GoogleContainerTools/distroless/issues/new"\n',
    "/etc/nsswitch.conf": "hosts: files dns\n",
    "/etc/ssl/certs/ca-certificates.crt": "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
    "/home/nonroot": { dir: true, mode: 0o700, uid: 65532, gid: 65532 },
    "/lib": dir(),
    "/proc": dir(0o555),
    "/root": dir(0o700),
    "/run": dir(),
    "/sbin": dir(),
    "/sys": dir(0o555),
    "/tmp": dir(0o1777),
    "/usr/share/zoneinfo": dir(),
    "/var/lib/dpkg/status.d": dir(),
  });
}

// ---------------------------------------------------------------------------------------------
// What images add

const NGINX_CONF = `
user  nginx;
worker_processes  auto;

error_log  /var/log/nginx/error.log notice;
pid        /run/nginx.pid;


events {
    worker_connections  1024;
}


http {
    include       /etc/nginx/mime.types;
    default_type  application/octet-stream;

    log_format  main  '$remote_addr - $remote_user [$time_local] "$request" '
                      '$status $body_bytes_sent "$http_referer" '
                      '"$http_user_agent" "$http_x_forwarded_for"';

    access_log  /var/log/nginx/access.log  main;

    sendfile        on;
    #tcp_nopush     on;

    keepalive_timeout  65;

    #gzip  on;

    include /etc/nginx/conf.d/*.conf;
}
`;

const NGINX_DEFAULT_CONF = `server {
    listen       80;
    listen  [::]:80;
    server_name  localhost;

    #access_log  /var/log/nginx/host.access.log  main;

    location / {
        root   /usr/share/nginx/html;
        index  index.html index.htm;
    }

    #error_page  404              /404.html;

    # redirect server error pages to the static page /50x.html
    #
    error_page   500 502 503 504  /50x.html;
    location = /50x.html {
        root   /usr/share/nginx/html;
    }

    # proxy the PHP scripts to Apache listening on 127.0.0.1:80
    #
    #location ~ \\.php$ {
    #    proxy_pass   http://127.0.0.1;
    #}

    # pass the PHP scripts to FastCGI server listening on 127.0.0.1:9000
    #
    #location ~ \\.php$ {
    #    root           html;
    #    fastcgi_pass   127.0.0.1:9000;
    #    fastcgi_index  index.php;
    #    fastcgi_param  SCRIPT_FILENAME  /scripts$fastcgi_script_name;
    #    include        fastcgi_params;
    #}

    # deny access to .htaccess files, if Apache's document root
    # concurs with nginx's one
    #
    #location ~ /\\.ht {
    #    deny  all;
    #}
}

`;

const NGINX_50X = `<!DOCTYPE html>
<html>
<head>
<title>Error</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>An error occurred.</h1>
<p>Sorry, the page you are looking for is currently unavailable.<br/>
Please try again later.</p>
<p>If you are the system administrator of this resource then please check
the <a href="http://nginx.org/r/error_log">error log</a> for details.</p>
<p><em>Faithfully yours, nginx.</em></p>
</body>
</html>
`;

const MIME_TYPES = `
types {
    text/html                                        html htm shtml;
    text/css                                         css;
    text/xml                                         xml;
    image/gif                                        gif;
    image/jpeg                                       jpeg jpg;
    application/javascript                           js;
    text/plain                                       txt;
    image/png                                        png;
    image/svg+xml                                    svg svgz;
    application/json                                 json;
    application/octet-stream                         bin exe dll;
}
`;

function nginxFiles(alpine: boolean): Record<string, PopulateEntry> {
  return {
    "/docker-entrypoint.sh": script('#!/bin/sh\n# vim:sw=4:ts=4:et\n\nset -e\n\nentrypoint_log() {\n    if [ -z "${NGINX_ENTRYPOINT_QUIET_LOGS:-}" ]; then\n        echo "$@"\n    fi\n}\n\nif [ "$1" = "nginx" ] || [ "$1" = "nginx-debug" ]; then\n    if /usr/bin/find "/docker-entrypoint.d/" -mindepth 1 -maxdepth 1 -type f -print -quit 2>/dev/null | read v; then\n        entrypoint_log "$0: /docker-entrypoint.d/ is not empty, will attempt to perform configuration"\n    fi\nfi\n\nexec "$@"\n'),
    "/docker-entrypoint.d/10-listen-on-ipv6-by-default.sh": script("#!/bin/sh\n# vim:sw=4:ts=4:et\n\nset -e\n\nME=$(basename \"$0\")\nDEFAULT_CONF_FILE=\"etc/nginx/conf.d/default.conf\"\n"),
    "/docker-entrypoint.d/15-local-resolvers.envsh": script("#!/bin/sh\n# vim:sw=2:ts=2:sts=2:et\n\nset -eu\n\n[ \"${NGINX_ENTRYPOINT_LOCAL_RESOLVERS:-}\" ] || return 0\n"),
    "/docker-entrypoint.d/20-envsubst-on-templates.sh": script("#!/bin/sh\n\nset -e\n\nME=$(basename \"$0\")\n"),
    "/docker-entrypoint.d/30-tune-worker-processes.sh": script("#!/bin/sh\n# vim:sw=2:ts=2:sts=2:et\n\nset -eu\n"),
    "/etc/nginx/nginx.conf": NGINX_CONF,
    "/etc/nginx/conf.d/default.conf": NGINX_DEFAULT_CONF,
    "/etc/nginx/mime.types": MIME_TYPES,
    "/etc/nginx/fastcgi_params": "fastcgi_param  QUERY_STRING       $query_string;\nfastcgi_param  REQUEST_METHOD     $request_method;\n",
    "/etc/nginx/scgi_params": "scgi_param  REQUEST_METHOD     $request_method;\n",
    "/etc/nginx/uwsgi_params": "uwsgi_param  QUERY_STRING       $query_string;\n",
    "/etc/nginx/modules": { symlink: "/usr/lib/nginx/modules" },
    "/usr/lib/nginx/modules": dir(),
    "/usr/sbin/nginx": exe("nginx"),
    "/usr/sbin/nginx-debug": exe("nginx"),
    "/usr/share/nginx/html/index.html": NGINX_WELCOME,
    "/usr/share/nginx/html/50x.html": NGINX_50X,
    "/var/cache/nginx": dir(),
    "/var/log/nginx": dir(),
    "/var/log/nginx/access.log": { symlink: "/dev/stdout" },
    "/var/log/nginx/error.log": { symlink: "/dev/stderr" },
    ...(alpine ? {} : { "/usr/bin/curl": exe("curl"), "/usr/bin/envsubst": exe() }),
  };
}

const NGINX_PASSWD_DEBIAN = "nginx:x:101:101:nginx user:/nonexistent:/bin/false\n";
const NGINX_PASSWD_ALPINE = "nginx:x:101:101:nginx:/var/cache/nginx:/sbin/nologin\n";

const HTTPD_FILES: Record<string, PopulateEntry> = {
  "/usr/local/apache2/bin/httpd": exe("httpd"),
  "/usr/local/apache2/bin/apachectl": script("#!/bin/sh\n"),
  "/usr/local/apache2/bin/httpd-foreground": script("#!/bin/sh\nset -e\n\n# Apache gets grumpy about PID files pre-existing\nrm -f /usr/local/apache2/logs/httpd.pid\n\nexec httpd -DFOREGROUND \"$@\"\n"),
  "/usr/local/apache2/conf/httpd.conf": 'ServerRoot "/usr/local/apache2"\nListen 80\nDocumentRoot "/usr/local/apache2/htdocs"\n',
  "/usr/local/apache2/htdocs/index.html": "<html><body><h1>It works!</h1></body></html>\n",
  "/usr/local/apache2/logs": dir(),
};

// ---------------------------------------------------------------------------------------------
// Which skeleton an image gets

interface Recipe {
  family: Family;
  env?: Record<string, string>;
  uid?: number;
  workingDir?: string;
  extra?: Record<string, PopulateEntry>;
  passwdExtra?: string;
}

const K8S_BIN = (bin: string): Recipe => ({ family: "distroless", extra: { [`/usr/local/bin/${bin}`]: exe(bin) } });

/** Recipes by catalog repo (a tag with "alpine" picks the alpine variant where one exists). */
function recipeOf(repo: string, tag: string, image: ImageBehaviour | null): Recipe {
  const alpine = /alpine/.test(tag);
  const deb = (extra: Record<string, PopulateEntry> = {}, env: Record<string, string> = {}): Recipe => ({ family: alpine ? "alpine" : "debian", extra, env });
  switch (repo) {
    case "busybox":
    case "registry.k8s.io/busybox":
    case "registry.k8s.io/e2e-test-images/busybox":
    case "kindest/local-path-helper":
      return { family: "busybox" };
    case "alpine":
      return { family: "alpine" };
    case "debian":
      return { family: "debian" };
    case "ubuntu":
      return { family: "ubuntu" };
    case "nginx":
    case "registry.k8s.io/e2e-test-images/nginx":
    case "registry.k8s.io/nginx-slim":
      return {
        family: alpine ? "alpine" : "debian",
        extra: nginxFiles(alpine),
        passwdExtra: alpine ? NGINX_PASSWD_ALPINE : NGINX_PASSWD_DEBIAN,
        env: alpine
          ? { NGINX_VERSION, PKG_RELEASE: "1", DYNPKG_RELEASE: "1", NJS_VERSION: "0.8.7", NJS_RELEASE: "1" }
          : { NGINX_VERSION, NJS_VERSION: "0.8.7", NJS_RELEASE: "1~bookworm", PKG_RELEASE: "1~bookworm", DYNPKG_RELEASE: "1~bookworm" },
      };
    case "httpd":
    case "registry.k8s.io/e2e-test-images/httpd":
      return { ...deb(HTTPD_FILES, { HTTPD_PREFIX: "/usr/local/apache2", HTTPD_VERSION: "2.4.62" }), workingDir: "/usr/local/apache2" };
    case "python":
      return deb({ "/usr/local/bin/python3": exe("python3"), "/usr/local/bin/python": { symlink: "python3" }, "/usr/local/bin/pip": exe("pip"), "/usr/local/bin/pip3": exe("pip") }, { LANG: "C.UTF-8", PYTHON_VERSION: "3.13.2" });
    case "node":
      return deb({ "/usr/local/bin/node": exe("node"), "/usr/local/bin/nodejs": { symlink: "node" }, "/usr/local/bin/npm": { symlink: "../lib/node_modules/npm/bin/npm-cli.js" }, "/usr/local/lib/node_modules/npm/bin/npm-cli.js": script("#!/usr/bin/env node\n"), "/usr/local/bin/docker-entrypoint.sh": script('#!/bin/sh\nset -e\nexec "$@"\n') }, { NODE_VERSION: "22.14.0", YARN_VERSION: "1.22.22" });
    case "redis":
      return { ...deb({ "/usr/local/bin/redis-server": exe("redis-server"), "/usr/local/bin/redis-cli": exe("redis-cli"), "/usr/local/bin/docker-entrypoint.sh": script('#!/bin/sh\nset -e\nexec "$@"\n'), "/data": dir() }, { REDIS_VERSION: "7.4.2" }), workingDir: "/data" };
    case "postgres":
      return deb({ "/usr/lib/postgresql/17/bin/postgres": exe("postgres"), "/usr/bin/psql": exe("psql"), "/usr/local/bin/docker-entrypoint.sh": script('#!/usr/bin/env bash\nset -Eeo pipefail\n'), "/var/lib/postgresql/data": dir(0o700) }, { PG_MAJOR: "17", PGDATA: "/var/lib/postgresql/data", LANG: "en_US.utf8" });
    case "mysql":
    case "mongo":
    case "memcached":
    case "rabbitmq":
    case "perl":
      return deb({}, {});
    case "registry.k8s.io/e2e-test-images/jessie-dnsutils":
      return { family: "debian", extra: { "/usr/bin/dig": exe("dig"), "/usr/bin/nslookup": exe("nslookup"), "/usr/bin/host": exe("host") } };
    case "registry.k8s.io/e2e-test-images/agnhost":
      return { family: "alpine", extra: { "/agnhost": exe("agnhost") } };
    case "registry.k8s.io/etcd":
      return { family: "distroless", extra: { "/usr/local/bin/etcd": exe("etcd"), "/usr/local/bin/etcdctl": exe("etcdctl"), "/usr/local/bin/etcdutl": exe("etcdutl"), "/var/etcd": dir(0o700), "/var/lib/etcd": dir(0o700) } };
    case "registry.k8s.io/kube-apiserver":
      return K8S_BIN("kube-apiserver");
    case "registry.k8s.io/kube-controller-manager":
      return K8S_BIN("kube-controller-manager");
    case "registry.k8s.io/kube-scheduler":
      return K8S_BIN("kube-scheduler");
    case "registry.k8s.io/kube-proxy":
      // distroless-iptables: iptables and its wrappers, plus a shell.
      return {
        family: "debian",
        extra: Object.fromEntries(
          ["iptables", "iptables-save", "iptables-restore", "ip6tables", "ip6tables-save", "ip6tables-restore", "iptables-legacy", "iptables-nft", "conntrack", "ipset", "nft"].map((b) => [`/usr/sbin/${b}`, exe(b)] as [string, PopulateEntry]).concat([["/usr/local/bin/kube-proxy", exe("kube-proxy")]]),
        ),
      };
    case "registry.k8s.io/coredns/coredns":
      return { family: "distroless", extra: { "/coredns": exe("coredns") }, uid: 65532 };
    case "kindest/kindnetd":
      return { family: "distroless", extra: { "/bin/kindnetd": exe("kindnetd") } };
    case "registry.k8s.io/pause":
      return { family: "scratch", extra: { "/pause": exe("pause") }, uid: 65535 };
  }
  return { family: image && !image.shell ? "distroless" : "busybox" };
}

const profiles = new Map<string, ImageProfile>();

/** What an image's file system and environment are, from its reference and catalog entry. */
export function imageProfile(imageName: string, image: ImageBehaviour | null): ImageProfile {
  const ref = parseImageRef(imageName);
  const repo = ref?.repo ?? imageName;
  const tag = ref?.tag ?? "latest";
  const cacheKey = `${repo}:${/alpine/.test(tag) ? "alpine" : ""}:${image ? image.entrypoint.join(" ") + "|" + image.cmd.join(" ") + "|" + image.servers.join(" ") + "|" + (image.tools ?? []).join(" ") + "|" + image.shell : ""}`;
  const cached = profiles.get(cacheKey);
  if (cached) return cached;
  const r = recipeOf(repo, tag, image);
  const extra: Record<string, PopulateEntry> = { ...(r.extra ?? {}) };
  // The image's programs (entrypoint, cmd, servers, tools) exist: absolute paths where named, else in /usr/local/bin.
  if (image) {
    for (const prog of [image.entrypoint[0], image.cmd[0], ...image.servers, ...(image.tools ?? [])]) {
      if (!prog || /\s/.test(prog) || SHELLS.has(prog)) continue;
      const path = prog.startsWith("/") ? prog : `/usr/local/bin/${prog}`;
      const base = path.slice(path.lastIndexOf("/") + 1);
      if (!prog.startsWith("/") && Object.keys(extra).some((p) => p.endsWith(`/${base}`))) continue;
      if (!(path in extra)) extra[path] = prog.endsWith(".sh") ? script("#!/bin/sh\n") : exe(base);
    }
  }
  const family = r.family;
  const profile: ImageProfile = {
    key: cacheKey,
    family,
    flavour: family === "busybox" || family === "alpine" ? "busybox" : family === "debian" || family === "ubuntu" ? "gnu" : null,
    env: { PATH, ...(r.env ?? {}) },
    uid: r.uid ?? 0,
    workingDir: r.workingDir ?? "/",
    extra,
    passwdExtra: r.passwdExtra,
  };
  if (profiles.size > 256) profiles.clear();
  profiles.set(cacheKey, profile);
  return profile;
}

const SHELLS = new Set(["sh", "bash", "/bin/sh", "/bin/bash", "ash", "python3", "node", "perl5", "cp"]);

const lowers = new Map<string, MemoryFs>();

/** The image's files (its overlay's lower layer): built once per image kind, never written to. */
export function imageLower(profile: ImageProfile): MemoryFs {
  const cached = lowers.get(profile.key);
  if (cached) return cached;
  const fs = new MemoryFs({ now: () => IMAGE_BUILD_TIME });
  switch (profile.family) {
    case "busybox":
      busyboxBase(fs);
      break;
    case "alpine":
      alpineBase(fs);
      break;
    case "debian":
      debianBase(fs, false);
      break;
    case "ubuntu":
      debianBase(fs, true);
      break;
    case "distroless":
      distrolessBase(fs);
      break;
    case "scratch":
      populate(fs, { "/dev": dir(), "/proc": dir(0o555), "/sys": dir(0o555), "/etc": dir() });
      break;
  }
  const files = profile.extra;
  const passwdExtra = profile.passwdExtra;
  // Images add to their base: a path the base has as a symlink (/bin on debian) is written through it.
  for (const [path, entry] of Object.entries(files)) {
    if (fs.lstat(path)?.type === "file") fs.remove(path);
    populate(fs, { [path]: entry });
  }
  if (passwdExtra) {
    fs.write("/etc/passwd", passwdExtra, { append: true });
    const [name, , uid] = passwdExtra.split(":");
    fs.write("/etc/group", `${name}:x:${uid}:\n`, { append: true });
  }
  if (lowers.size > 64) lowers.clear();
  lowers.set(profile.key, fs);
  return fs;
}

/** A user's home directory from the image's /etc/passwd ("/" when the uid has no entry, as containerd sets HOME). */
export function homeOf(profile: ImageProfile, uid: number): string {
  let passwd = "";
  try {
    passwd = new TextDecoder().decode(imageLower(profile).read("/etc/passwd"));
  } catch {
    return "/";
  }
  for (const line of passwd.split("\n")) {
    const f = line.split(":");
    if (f.length >= 6 && Number(f[2]) === uid) return f[5];
  }
  return "/";
}
