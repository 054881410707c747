package main

import "syscall"

// childAttr makes the kernel kill a server if mcpbench itself dies, so no
// server outlives a crashed or killed benchmark.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
