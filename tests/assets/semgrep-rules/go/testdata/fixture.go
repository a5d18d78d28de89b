// Test data: credentials are left alone here (see ../main.go for the markers).
package testdata

import "crypto/md5"

// ok: go.credentials.hardcoded
var adminPassword = "admin123!"

// ruleid: go.crypto.weak-hash
var digest = md5.Sum([]byte(adminPassword))
