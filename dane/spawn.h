/*
 * spawn - runs a program without a shell and waits for it.
 *
 * spawn_run(argv, input) runs argv[0] (searched in PATH when it holds no
 * '/') with argv, writes input (NULL = nothing) to its standard input and
 * waits. Returns 0 when it exited 0; otherwise -1 and a message in *err
 * (the caller frees it) naming the program and its status or the failed
 * call. Standard output and error are the caller's.
 */
#ifndef GW_DANE_SPAWN_H
#define GW_DANE_SPAWN_H

int	spawn_run(char *const argv[], const char *input, char **err);

#endif
