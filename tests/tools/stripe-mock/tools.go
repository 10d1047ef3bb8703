//go:build tools

// Package tools pins stripe-mock, Stripe's own server built from its OpenAPI spec, for the request and
// response shapes of every resource of the Stripe preset (tests/integration/run_stripe_mock.sh).
package tools

import _ "github.com/stripe/stripe-mock"
