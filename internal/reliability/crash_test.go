package reliability

const crashChildEnv = "SQSTEMP_RELIABILITY_CRASH_CHILD"

func crashChild() int { return 0 }
