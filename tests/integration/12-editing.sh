#!/bin/bash
# Editing query.adql with editors and tools that save through temporary
# files (sed -i, vim with and without swap and backup files, Python's
# atomic save, nano-style in-place writes, >, >>, truncate), and removing
# a query with rm -r and shutil.rmtree (issue 12).  After each save the
# query runs again with the new text, and nothing of the editor is left in
# the listing; rm -r deletes the remote UWS job as rmdir does.
. "$(dirname "$0")/../lib.sh"

write_config
# async jobs: rm -r must delete the query's remote UWS job
sed -i '/^\[local\]/a mode = async' "$WORK/services.ini"
check "mount" vofs_mount || { finish; exit 1; }
Q=$MNT/local/queries
D=$Q/ed
FILES="cutout error job maxrec products query.adql result.csv result.tbl result.vot status upload"

# listing: exactly the query's own files (ls -A: no . and ..)
only_query_files() { [ "$(ls -A "$D" | sort | tr '\n' ' ')" == "$FILES " ]; }
# rows_are N: result.csv has a header and N rows, and status says so
rows_are() {
	local st
	st=$(wait_final "$D") || return 1
	grep -q "^COMPLETED rows=$1 " <<<"$st" || { echo "status: $st"; return 1; }
	[ "$(wc -l < "$D/result.csv")" -eq $(($1 + 1)) ] || { echo "result.csv: $(wc -l < "$D/result.csv") lines"; return 1; }
}
# after_save WHAT N: the checks every save gets
after_save() {
	check "$1: query.adql says TOP $2" grep -q "^SELECT TOP $2 id FROM vofstest.cat" "$D/query.adql"
	check "$1: the query ran again: COMPLETED with $2 rows in result.csv" rows_are "$2"
	check "$1: nothing of the editor is left listed" only_query_files
}

run_query "$D" "SELECT TOP 3 id FROM vofstest.cat"
check "the first run has 3 rows" rows_are 3
check "a new query lists only its own files" only_query_files

# --- sed -i: mkstemp beside the file, fchown/fchmod, rename onto it ----------
check "sed -i succeeds" sed -i 's/TOP 3/TOP 4/' "$D/query.adql"
after_save "sed -i" 4

# --- vim: ex mode without swap file; with swap; with backup and writebackup --
# (the mount is under /tmp, which vim's default backupskip excludes from
# backups: backupskip= makes it write them as it would in a home directory)
VIM="vim -u NONE -i NONE -N -e -s"
if command -v vim > /dev/null; then
	check "vim -n -e -s saves" timeout 30 $VIM -n -c '%s/TOP 4/TOP 5/' -c wq "$D/query.adql"
	after_save "vim -n" 5
	check "vim with its swap file (.query.adql.swp) saves" \
		timeout 30 $VIM -c 'set backupskip=' -c '%s/TOP 5/TOP 6/' -c wq "$D/query.adql"
	after_save "vim with swap and writebackup" 6
	# backupcopy=no: vim renames query.adql to query.adql~ and writes a new query.adql
	check "vim with backupcopy=no (rename the original to the backup) saves" \
		timeout 30 $VIM -c 'set backupskip= backupcopy=no' -c '%s/TOP 6/TOP 7/' -c wq "$D/query.adql"
	after_save "vim backupcopy=no" 7
	check "vim with backup and writebackup saves" \
		timeout 30 $VIM -c 'set backupskip= backup writebackup' -c '%s/TOP 7/TOP 8/' -c wq "$D/query.adql"
	check "vim backup: query.adql says TOP 8" grep -q "^SELECT TOP 8 id" "$D/query.adql"
	check "vim backup: the query ran again with 8 rows" rows_are 8
	check "vim backup: the backup query.adql~ holds the old text" grep -q "^SELECT TOP 7 id" "$D/query.adql~"
	check "vim backup: rm of the backup works, and it is gone from the listing" \
		bash -c "rm '$D/query.adql~' && [ ! -e '$D/query.adql~' ]"
	check "vim backup: then only the query's files are listed" only_query_files
else
	skip "vim saves (-n, swap, backup)" "vim is not installed (apt-get install vim)"
	printf 'SELECT TOP 8 id FROM vofstest.cat\n' > "$D/query.adql"
fi

# --- Python's atomic save: mkstemp in the directory, write, os.replace --------
check "python tempfile.mkstemp + os.replace saves" python3 - "$D" <<'PY'
import os, sys, tempfile
d = sys.argv[1]
fd, tmp = tempfile.mkstemp(dir=d, prefix=".query.adql.", suffix=".tmp")
with os.fdopen(fd, "w") as f:
    f.write("SELECT TOP 9 id FROM vofstest.cat\n")
    f.flush()
    os.fsync(f.fileno())
assert os.path.basename(tmp) in os.listdir(d), "the temporary file is listed while it exists"
os.chmod(tmp, 0o644)
os.replace(tmp, os.path.join(d, "query.adql"))
assert not os.path.exists(tmp)
PY
after_save "python os.replace" 9

# --- nano-style: open(O_WRONLY|O_CREAT|O_TRUNC), write, close ----------------
check "an in-place write with O_TRUNC saves" python3 -c "
import os
fd = os.open('$D/query.adql', os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
os.write(fd, b'SELECT TOP 10 id '); os.write(fd, b'FROM vofstest.cat\n'); os.close(fd)"
after_save "nano-style write" 10

# --- the real nano, driven through a terminal: replace TOP 10 by TOP 12, save --
if command -v nano > /dev/null; then
	check "nano saves (Ctrl-\\ replace, Ctrl-O, Ctrl-X on a pseudo-terminal)" \
		timeout 60 python3 - "$D/query.adql" <<'PY'
import os, pty, select, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.environ["TERM"] = "xterm"
    os.execvp("nano", ["nano", "--ignorercfiles", sys.argv[1]])
def drain(t):
    end = time.time() + t
    while time.time() < end:
        if select.select([fd], [], [], 0.05)[0]:
            try:
                os.read(fd, 65536)
            except OSError:
                return
drain(1.0)
for keys in [b"\x1c", b"TOP 10\r", b"TOP 12\r", b"A", b"\x0f", b"\r", b"\x18"]:
    os.write(fd, keys)
    drain(0.5)
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
PY
	after_save "nano" 12
else
	skip "nano saves" "nano is not installed (apt-get install nano)"
fi

# --- rsync onto query.adql: a temporary .query.adql.XXXXXX, chmod, utimens, rename
printf 'SELECT TOP 13 id FROM vofstest.cat\n' > "$WORK/new.adql"
# (-c: same size and second as query.adql, the quick check would skip it)
check "rsync of a file onto query.adql saves" rsync -c "$WORK/new.adql" "$D/query.adql"
after_save "rsync" 13

# --- emacs --batch: its lock file .#query.adql (a symlink is refused, ENOSYS:
# it falls back to a regular file made as .#-emacsXXXXXX and renamed with
# RENAME_NOREPLACE), then an O_TRUNC write.  (Its backup by renaming is
# vim's backupcopy=no above: emacs --batch made none here.)
if command -v emacs > /dev/null; then
	check "emacs --batch saves" timeout 60 emacs --batch -Q "$D/query.adql" \
		--eval '(progn (goto-char (point-min)) (search-forward "TOP 13") (replace-match "TOP 14") (save-buffer))'
	after_save "emacs (lock file removed)" 14
else
	skip "emacs --batch saves" "emacs is not installed (apt-get install emacs-nox)"
fi

# --- the shell and truncate, as documented -----------------------------------
check "> saves" bash -c "echo 'SELECT TOP 11 id FROM vofstest.cat' > '$D/query.adql'"
after_save ">" 11
check ">> appends and saves" bash -c "echo 'ORDER BY id DESC' >> '$D/query.adql'"
check ">>: query.adql has both lines" bash -c "[ \"\$(tail -1 '$D/query.adql')\" == 'ORDER BY id DESC' ] && grep -q '^SELECT TOP 11 id' '$D/query.adql'"
check ">>: the query ran again with 11 rows, in descending order" \
	bash -c "rows_are() { :; }; [ \"\$(sed -n 2p '$D/result.csv' | tr -d '\r')\" -gt \"\$(sed -n 3p '$D/result.csv' | tr -d '\r')\" ]"
check ">>: COMPLETED with 11 rows" rows_are 11
check "truncate -s cuts the second line off and saves" truncate -s 35 "$D/query.adql"
check "truncate: query.adql is the first line" bash -c "[ \"\$(cat '$D/query.adql')\" == 'SELECT TOP 11 id FROM vofstest.cat' ]"
check "truncate: the query ran again (ascending order)" \
	bash -c "sleep 0.2; [ \"\$(sed -n 2p '$D/result.csv' | tr -d '\r')\" -lt \"\$(sed -n 3p '$D/result.csv' | tr -d '\r')\" ]"
check "maxrec: a temporary file renamed onto it is a save" \
	bash -c "echo 2 > '$D/mr.tmp' && mv '$D/mr.tmp' '$D/maxrec' && [ \"\$(cat '$D/maxrec')\" == 2 ]"
check "maxrec: a bad number renamed onto it is refused (EINVAL) and the temporary stays" \
	bash -c "echo x > '$D/mr.tmp' && ! mv '$D/mr.tmp' '$D/maxrec' 2>/dev/null && [ -e '$D/mr.tmp' ] && rm '$D/mr.tmp'"
check "maxrec: cleared again" bash -c "truncate -s 0 '$D/maxrec' && [ -z \"\$(cat '$D/maxrec')\" ]"
check "the listing is the query's own files" only_query_files

# --- temporary files: private, capped, never query files ---------------------
check "a temporary file is created, written, read back and listed" \
	bash -c "printf abc > '$D/notes.txt' && [ \"\$(cat '$D/notes.txt')\" == abc ] && ls '$D' | grep -qx notes.txt"
check "... renamed, and the old name is gone" \
	bash -c "mv '$D/notes.txt' '$D/notes2.txt' && [ ! -e '$D/notes.txt' ] && [ \"\$(cat '$D/notes2.txt')\" == abc ]"
check "... a temporary file over 4 MiB is refused (EFBIG)" \
	bash -c "! head -c 5000000 /dev/zero > '$D/big' 2>'$WORK/big.err'; grep -q 'too large' '$WORK/big.err'"
check "... an unlinked temporary file is gone from the listing" \
	bash -c "rm '$D/notes2.txt' '$D/big' && only_query_files() { [ \"\$(ls -A '$D' | sort | tr '\n' ' ')\" == '$FILES ' ]; }; only_query_files"
check "... an open temporary file unlinked reads on (no .fuse_hidden file)" python3 - "$D" <<'PY'
import os, sys
d = sys.argv[1]
p = os.path.join(d, "held")
f = open(p, "w+"); f.write("kept"); f.flush()
os.unlink(p)
assert not any(n.startswith(".fuse_hidden") or n == "held" for n in os.listdir(d)), os.listdir(d)
f.seek(0); assert f.read() == "kept"
assert os.fstat(f.fileno()).st_size == 4
f.close()
PY
check "the query's ADQL was never touched by the temporary files" grep -q "^SELECT TOP 11 id" "$D/query.adql"
check "mkdir in a query directory is still refused" bash -c "! mkdir '$D/sub' 2>/dev/null"

# --- removing: single generated files stay, rm -r removes the query ----------
rc=0; rm "$D/result.csv" 2>"$WORK/rm.err" || rc=$?
check "rm of result.csv alone fails" test "$rc" -ne 0
check "... with EPERM (Operation not permitted)" grep -q "Operation not permitted" "$WORK/rm.err"
check "... the log says to use rmdir or rm -r" grep -q "use rmdir or rm -r on the query directory" "$LOG"
check "... and result.csv is still there and whole" rows_are 11
check "rm of status alone fails too" bash -c "! rm -f '$D/status' 2>/dev/null && [ -e '$D/status' ]"

job=$(sed -n 's/.* job=\([^ ]*\).*/\1/p' "$D/status")
check "the async query has a job URL" test -n "$job"
http_code_is() { curl -s -o /dev/null -w '%{http_code}' "$2" | grep -qx "$1"; }
check "the job is on the server before rm -r" http_code_is 200 "$job"
exec 7< "$D/result.csv"   # an open file: libfuse renames it to .fuse_hidden* at unlink
check "rm -r removes the query (its result.csv held open)" rm -r "$D"
exec 7<&-
check "the query directory is gone" test ! -e "$D"
check "the query is not listed" bash -c "! ls '$Q' | grep -qx ed"
check "rm -r deleted the remote UWS job (404 within 5 s)" wait_for 5 http_code_is 404 "$job"
check "the server's job list no longer has it" bash -c "! curl -s '$TAP_URL/async' | grep -qF '${job##*/}'"

# a query with products (ObsCore), its directories and files: rm -rf and
# shutil.rmtree recurse into products/
run_query "$Q/prod" "SELECT TOP 3 * FROM ivoa.obscore"
wait_final "$Q/prod" > /dev/null
np=$(ls "$Q/prod/products" | wc -l)
check "the products query has products ($np)" test "$np" -gt 0
check "rm -rf removes a query with products" rm -rf "$Q/prod"
check "... and it is gone" test ! -e "$Q/prod"

run_query "$Q/tree" "SELECT TOP 2 id FROM vofstest.cat"
wait_final "$Q/tree" > /dev/null
job=$(sed -n 's/.* job=\([^ ]*\).*/\1/p' "$Q/tree/status")
printf 'x' > "$Q/tree/leftover.tmp"
check "python shutil.rmtree removes a query (with a temporary file in it)" \
	python3 -c "import shutil; shutil.rmtree('$Q/tree')"
check "... and it is gone" test ! -e "$Q/tree"
check "... with its remote job" wait_for 5 http_code_is 404 "$job"
check "a new query of the same name starts empty (no temporary file)" \
	bash -c "mkdir '$Q/tree' && [ \"\$(ls -A '$Q/tree' | sort | tr '\n' ' ')\" == 'cutout error job maxrec products query.adql status upload ' ] && rmdir '$Q/tree'"

# rm of query.adql alone: the query stays; writing query.adql again ends it
run_query "$Q/half" "SELECT TOP 2 id FROM vofstest.cat"
wait_final "$Q/half" > /dev/null
check "rm of query.adql alone succeeds (it asks for the query's removal)" rm "$Q/half/query.adql"
check "... the query is still there, with its status" grep -q "^COMPLETED rows=2 " "$Q/half/status"
check "... writing query.adql again ends the removal" \
	bash -c "echo 'SELECT TOP 3 id FROM vofstest.cat' > '$Q/half/query.adql'"
check "... and runs it" grep -q "^COMPLETED rows=3 " <(wait_final "$Q/half")
check "... generated files are refused again" bash -c "! rm '$Q/half/error' 2>/dev/null && [ -e '$Q/half/error' ]"
check "... rmdir still deletes it" rmdir "$Q/half"

check "unmount" vofs_umount
check_log_clean
finish
