package main

import (
	"fmt"
	"net/http"

	"example.com/lib"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, lib.Greeting()) })
	_ = http.ListenAndServe(":8080", nil)
}
