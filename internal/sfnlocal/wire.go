package sfnlocal

import (
	"strconv"
	"time"
)

// epochTime is a timestamp as awsJson1.0 writes it: seconds since the epoch,
// with a fractional part for milliseconds.
type epochTime time.Time

func (t epochTime) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	return strconv.AppendFloat(nil, float64(ms)/1000, 'f', -1, 64), nil
}

func ptrTime(t time.Time) *epochTime {
	if t.IsZero() {
		return nil
	}
	e := epochTime(t)
	return &e
}

func secondsDuration(n int64) time.Duration { return time.Duration(n) * time.Second }
