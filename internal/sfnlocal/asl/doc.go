// Package asl is the data layer of the Amazon States Language (JSONPath query
// language): JSON values, Paths and Reference Paths, payload templates,
// intrinsic functions, ResultPath, Choice rules, error matching and retry
// delays. It has no I/O and no concurrency; every function is pure apart from
// the randomness of States.UUID and States.MathRandom.
//
// JSON values are plain Go values: map[string]any, []any, string, bool, nil,
// int64 (integral numbers that fit) and float64 (all other numbers). Values
// should enter the package through ParseJSON and leave through MarshalJSON;
// every function here accepts and produces only these types.
//
// Specification: https://states-language.net/spec.html and the AWS Step
// Functions developer guide.
package asl
