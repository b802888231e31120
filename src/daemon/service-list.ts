// Every daemon service file, one import line each (each registers itself
// with registerDaemonService in ./services; they start in this order).
import "./service-mesh";
