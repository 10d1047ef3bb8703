// static_server serves a directory of pre-generated JSON pages on loopback for the HTTP extraction
// benchmark (run.sh): Go's net/http file server, keep-alive, no logging, so the server is not what
// is measured. Prints the port it listens on, then serves until killed.
// Usage: static_server DIR
package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
)

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(ln.Addr().(*net.TCPAddr).Port)
	server := &http.Server{Handler: http.FileServer(http.Dir(os.Args[1]))}
	if err := server.Serve(ln); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
