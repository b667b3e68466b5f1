// The orders service: JSON over HTTP, the standard library only.
package main

import (
	"encoding/json"
	"log"
	"net/http"
	"os"
)

type summary struct {
	Orders int     `json:"orders"`
	Total  float64 `json:"total"`
}

func main() {
	http.HandleFunc("/summary", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(summary{Orders: 3, Total: 49.75})
	})
	addr := os.Getenv("ADDR")
	if addr == "" {
		addr = ":8080"
	}
	log.Fatal(http.ListenAndServe(addr, nil))
}
