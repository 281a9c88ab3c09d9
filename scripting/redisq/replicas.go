package redisq

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/rueidis"
)

// Replicas is the number of replicas connected to the master at client.
func Replicas(ctx context.Context, client rueidis.Client) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, DialTimeout*2)
	defer cancel()
	info, err := client.Do(ctx, client.B().Info().Section("replication").Build()).ToString()
	if err != nil {
		return 0, fmt.Errorf("failed to read redis replication info: %w", err)
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "connected_slaves:"); ok {
			return strconv.Atoi(v)
		}
	}
	return 0, nil
}
