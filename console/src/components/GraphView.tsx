// A directed graph of resources, laid out by dagre and drawn by React Flow.
import dagre from "@dagrejs/dagre";
import { Background, Controls, MarkerType, Position, ReactFlow, type Edge, type Node } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useMemo } from "react";
import type { Graph, GraphNode } from "../api/types";
import { href } from "../router";

const WIDTH = 210;
const HEIGHT = 54;

function flowNode(node: GraphNode, position: { x: number; y: number }): Node {
  const state = node.lifecycle_state ?? "missing";
  return {
    id: node.id,
    position,
    sourcePosition: Position.Right,
    targetPosition: Position.Left,
    data: {
      label: (
        <span className="graph-label" data-state={state}>
          <small>
            {node.provider}/{node.resource}
          </small>
          <a href={href(["resources", node.id])} className="graph-link">
            <strong>{node.name}</strong>
          </a>
          <span className={`state state-${state}`}>{state}</span>
        </span>
      ),
    },
    className: `graph-node state-border-${state}`,
    style: { width: WIDTH },
    ariaLabel: `${node.provider}/${node.resource}/${node.name}: ${state}`,
    draggable: false,
    connectable: false,
  };
}

/** Positions by dagre: what is depended on (or owns) left of what depends on it (or is owned). */
function layout(graph: Graph): { positions: Map<string, { x: number; y: number }>; edges: Edge[] } {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "LR", nodesep: 24, ranksep: 110 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of graph.nodes) g.setNode(node.id, { width: WIDTH, height: HEIGHT });
  for (const edge of graph.edges) g.setEdge(edge.to, edge.from);
  dagre.layout(g);
  const positions = new Map(
    graph.nodes.map((node) => {
      const place = g.node(node.id);
      return [node.id, { x: place.x - WIDTH / 2, y: place.y - HEIGHT / 2 }];
    }),
  );
  const edges: Edge[] = graph.edges.map((edge) => ({
    id: `${edge.from}->${edge.to}:${edge.kind}`,
    source: edge.to,
    target: edge.from,
    label: edge.kind === "owner" ? "owns" : "needed by",
    className: `graph-edge-${edge.kind}`,
    markerEnd: { type: MarkerType.ArrowClosed },
    style: edge.kind === "owner" ? { strokeDasharray: "5 4" } : undefined,
  }));
  return { positions, edges };
}

export function GraphView({ graph, onOpen }: { graph: Graph; onOpen: (id: string) => void }) {
  // The layout depends on the shape only; state changes recolour nodes in place.
  const shape = JSON.stringify([graph.nodes.map((node) => node.id), graph.edges]);
  const laidOut = useMemo(() => layout(graph), [shape]); // eslint-disable-line react-hooks/exhaustive-deps
  const nodes = graph.nodes.map((node) => flowNode(node, laidOut.positions.get(node.id) ?? { x: 0, y: 0 }));
  return (
    <div className="graph" aria-label="Resource graph">
      <ReactFlow
        nodes={nodes}
        edges={laidOut.edges}
        fitView
        fitViewOptions={{ maxZoom: 1.2 }}
        minZoom={0.1}
        nodesDraggable={false}
        nodesConnectable={false}
        onNodeClick={(_, node) => onOpen(node.id)}
        proOptions={{ hideAttribution: true }}
      >
        <Background />
        <Controls />
      </ReactFlow>
    </div>
  );
}
