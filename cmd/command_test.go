package main

import "testing"

// TestTargetCommand: a hint names the database status looked at, and never
// prints its password.
func TestTargetCommand(t *testing.T) {
	for url, want := range map[string]string{
		"":                                  "go run ./cmd drift",
		"sqlite://app.db":                   "go run ./cmd drift --url 'sqlite://app.db'",
		"postgres://app:s3cret@db:5432/app": "go run ./cmd drift --url <this database's URL>",
		"postgres://app@db:5432/app?sslmode=disable": "go run ./cmd drift --url 'postgres://app@db:5432/app?sslmode=disable'",
	} {
		if got := (&Target{URL: url}).command("drift"); got != want {
			t.Errorf("command(%q) = %q, want %q", url, got, want)
		}
	}
}
