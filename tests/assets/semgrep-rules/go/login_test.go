// Test files are left out of go.credentials.hardcoded (see main.go for the markers).
package main

import (
	"crypto/md5"
	"testing"
)

func TestLogin(t *testing.T) {
	// ok: go.credentials.hardcoded
	password := "admin123!"
	// ruleid: go.crypto.weak-hash
	md5.Sum([]byte(password))
}
