/* pdeath: run a command that receives SIGNAL when its parent dies (test lab only).
 *
 * usage: pdeath SIGNUM COMMAND [ARGS...]
 * lab.spawn() starts children as `ip netns exec NS pdeath 15 CMD ...`; both
 * `ip netns exec` and this wrapper exec in place, so the command keeps the pid
 * Node sees and its parent is the test process. If that process is killed
 * (even with SIGKILL) the kernel signals the command, so no test leaves a
 * process running in a namespace. The setting survives exec.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: pdeath SIGNUM COMMAND [ARGS...]\n");
    return 127;
  }
  pid_t parent = getppid();
  int sig = atoi(argv[1]);
  if (sig <= 0 || sig >= NSIG || prctl(PR_SET_PDEATHSIG, sig) != 0) {
    perror("pdeath: prctl");
    return 127;
  }
  if (getppid() != parent) return 127; /* parent died before prctl took effect */
  execvp(argv[2], argv + 2);
  fprintf(stderr, "pdeath: cannot run %s: ", argv[2]);
  perror(NULL);
  return 127;
}
